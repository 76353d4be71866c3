#include "dcopt/train/evaluation.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace dcopt::train {

void broadcast_buffers(WorkerContext& ctx, torch::nn::Module& net) {
  std::vector<torch::Tensor> buffers;
  std::size_t bytes = 0;
  for (auto& b : net.buffers(/*recurse=*/true)) {
    buffers.push_back(b);
    bytes += static_cast<std::size_t>(b.numel()) * b.element_size();
  }
  if (buffers.empty() || ctx.size() == 1) return;
  Bytes blob(bytes);
  std::size_t off = 0;
  if (ctx.rank() == 0) {
    for (auto& b : buffers) {
      torch::Tensor c = b.contiguous();
      const std::size_t n = static_cast<std::size_t>(c.numel()) * c.element_size();
      std::memcpy(blob.data() + off, c.data_ptr(), n);
      off += n;
    }
  }
  ctx.comm.broadcast(blob, 0);
  off = 0;
  for (auto& b : buffers) {
    const std::size_t n = static_cast<std::size_t>(b.numel()) * b.element_size();
    torch::NoGradGuard no_grad;
    b.copy_(torch::from_blob(blob.data() + off, b.sizes(), b.scalar_type()));
    off += n;
  }
}

Evaluation evaluate(WorkerContext& ctx, Network& net, const ImageDataset& test, std::size_t batch) {
  broadcast_buffers(ctx, net);
  const std::size_t n = static_cast<std::size_t>(ctx.size());
  const std::size_t r = static_cast<std::size_t>(ctx.rank());
  const std::size_t begin = r * test.count / n;
  const std::size_t end = (r + 1) * test.count / n;
  const std::size_t sample = test.channels * test.rows * test.cols;
  double sums[2] = {0, 0};  // loss sum, correct
  {
    torch::NoGradGuard no_grad;
    net.eval();
    for (std::size_t b0 = begin; b0 < end; b0 += batch) {
      const std::size_t b1 = std::min(end, b0 + batch);
      const auto len = static_cast<std::int64_t>(b1 - b0);
      // Rows are contiguous in the dataset: views, no copy.
      torch::Tensor input = torch::from_blob(
          const_cast<float*>(test.pixels.data()) + b0 * sample,
          {len, static_cast<std::int64_t>(test.channels), static_cast<std::int64_t>(test.rows),
           static_cast<std::int64_t>(test.cols)},
          torch::kFloat32);
      torch::Tensor target = torch::from_blob(const_cast<std::int64_t*>(test.labels.data()) + b0,
                                              {len}, torch::kInt64);
      torch::Tensor logits = net.forward(input);
      sums[0] += torch::nn::functional::cross_entropy(
                     logits, target,
                     torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                     .item<double>();
      sums[1] += logits.argmax(1).eq(target).sum().item<double>();
    }
    net.train();
  }
  ctx.comm.allreduce_sum(std::span<double>(sums, 2));
  Evaluation e;
  e.samples = test.count;
  e.loss = sums[0] / static_cast<double>(test.count);
  e.accuracy = sums[1] / static_cast<double>(test.count);
  return e;
}

}  // namespace dcopt::train
