#pragma once
// Per-thread scratch buffers for codecs. A codec is const and shared by every thread that
// encodes or decodes with it, so its per-call temporaries (index lists, histograms, packed
// words) cannot live in the codec; allocating them per call would make every round pay for the
// heap. Instead each codec keeps a struct of std::vectors per thread, reused across calls:
// clear()/resize()/assign() keep the capacity, so the buffers only grow, and after the first
// call at a given size a steady-state round allocates nothing.
//
// Memory: per thread that ran the codec, the largest size each buffer ever needed, held until
// the thread exits. Not reentrant: while a function holds the reference it must not call code
// that uses the same Buffers type (codecs do not call each other).
namespace dcopt {

/// The calling thread's instance of `Buffers` (one instance per type and thread).
template <class Buffers>
Buffers& thread_scratch() {
  thread_local Buffers buffers;
  return buffers;
}

}  // namespace dcopt
