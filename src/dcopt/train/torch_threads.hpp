#pragma once
// Torch's thread pools, set once per process before any torch work: `intra_op` threads for
// each operator (one by default: the workers are the parallelism, and one thread per worker
// makes every kernel's result independent of the machine's core count), and a single
// inter-op thread (torch allows setting it only once, before it is first used).
namespace dcopt::train {

void configure_torch_threads(int intra_op);

}  // namespace dcopt::train
