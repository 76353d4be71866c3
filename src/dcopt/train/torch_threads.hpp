#pragma once
// Torch's thread pools, set before any torch work on every thread that runs a worker (the
// intra-op count is OpenMP's, a per-thread setting; the inter-op count is set once per process):
// `intra_op` threads for
// each operator (one by default: the workers are the parallelism, and one thread per worker
// makes every kernel's result independent of the machine's core count), and a single
// inter-op thread (torch allows setting it only once, before it is first used).
namespace dcopt::train {

void configure_torch_threads(int intra_op);

}  // namespace dcopt::train
