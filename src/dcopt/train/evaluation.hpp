#pragma once
// Test-set evaluation, split across the workers: worker w evaluates rows [w*N/n, (w+1)*N/n) of
// the test set in eval mode (BatchNorm uses its running statistics) without building a graph,
// and the sums of the losses and of the correct predictions are added over the workers in rank
// order (allreduce in double, deterministic): every worker gets the same numbers, on every
// backend. Before it, the workers' BatchNorm buffers are replaced by rank 0's (a broadcast, as
// PyTorch DDP's broadcast_buffers does at every forward), so every slice is evaluated with one
// model.
#include <cstddef>

#include "dcopt/data/image_dataset.hpp"
#include "dcopt/methods/worker_context.hpp"
#include "dcopt/train/network.hpp"

namespace dcopt::train {

struct Evaluation {
  double loss = 0;      ///< mean cross-entropy over the test set
  double accuracy = 0;  ///< fraction of correct predictions
  std::size_t samples = 0;
};

/// Collective. `batch`: rows per forward pass.
Evaluation evaluate(WorkerContext& ctx, Network& net, const ImageDataset& test, std::size_t batch);

/// Collective: every worker's module buffers (BatchNorm running statistics) become rank 0's.
/// No-op (and no communication) for a network without buffers.
void broadcast_buffers(WorkerContext& ctx, torch::nn::Module& net);

}  // namespace dcopt::train
