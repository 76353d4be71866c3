#pragma once
// A minimization problem whose per-worker objective f_i is a Python object (dcopt.Objective's
// protocol, python/dcopt/__init__.py), for prototyping: every value or gradient is a call into
// the interpreter, under the GIL, so the worker threads take turns (see docs/PYTHON.md for the
// cost per call).
//
// Lifetime and the GIL: the source holds one reference to each worker's Python object and must
// be built and destroyed with the GIL held; the Objective each worker thread gets only borrows
// it (no reference counting outside the GIL) and acquires the GIL for each call. x and the
// output vector are passed as NumPy views of the C++ buffers, valid during the call only.
//
// Errors: a Python exception raised by the objective is kept (the first one, with its
// traceback) in the PythonErrorSlot, and a dcopt::Error ends the run; the binding re-raises the
// Python exception once the run has stopped.
#include <pybind11/pybind11.h>

#include <memory>
#include <mutex>
#include <optional>

#include "dcopt/experiment/problem_source.hpp"

namespace dcopt::python {

/// The first Python exception raised by a worker's objective call. Thread-safe.
class PythonErrorSlot {
 public:
  /// Keeps `e` if it is the first; call with the GIL held.
  void record(const pybind11::error_already_set& e);
  /// The kept exception, if any.
  std::optional<pybind11::error_already_set> take();

 private:
  std::mutex mutex_;
  std::optional<pybind11::error_already_set> first_;
};

/// `objective`: a sequence of `workers` objects (f_0 .. f_{n-1}) or a callable rank -> object.
/// Reads every worker's dim, num_samples, smoothness, mean_sample_smoothness and
/// strong_convexity once, here (InvalidArgument if missing or invalid). GIL held.
std::unique_ptr<ProblemSource> make_python_source(const pybind11::object& objective, int workers,
                                                  std::shared_ptr<PythonErrorSlot> errors);

}  // namespace dcopt::python
