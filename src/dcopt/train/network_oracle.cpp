#include "dcopt/train/network_oracle.hpp"

#include <algorithm>

#include "dcopt/core/error.hpp"
#include "dcopt/core/timer.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/data/batch_gather.hpp"

namespace dcopt::train {

NetworkOracle::NetworkOracle(Network& net, FlatParameters& flat, const ImageDataset& data,
                             std::vector<std::uint32_t> shard, BatchLoader& loader,
                             FullGradient full, std::size_t chunk)
    : net_(net),
      flat_(flat),
      data_(data),
      shard_(std::move(shard)),
      loader_(loader),
      full_(full),
      chunk_(std::max<std::size_t>(1, chunk)) {
  if (shard_.empty()) throw InvalidArgument("NetworkOracle: empty shard");
}

double NetworkOracle::backward_on(std::span<const std::uint32_t> rows) {
  Stopwatch watch;
  const std::size_t b = rows.size();
  const std::size_t sample = data_.channels * data_.rows * data_.cols;
  pixels_.resize(b * sample);
  labels_.resize(b);
  gather_batch(data_, rows, pixels_, labels_);
  const auto n = static_cast<std::int64_t>(b);
  torch::Tensor input = torch::from_blob(
      pixels_.data(),
      {n, static_cast<std::int64_t>(data_.channels), static_cast<std::int64_t>(data_.rows),
       static_cast<std::int64_t>(data_.cols)},
      torch::kFloat32);
  torch::Tensor target = torch::from_blob(labels_.data(), {n}, torch::kInt64);
  flat_.zero_grads();
  torch::Tensor loss = torch::nn::functional::cross_entropy(net_.forward(input), target);
  loss.backward();
  sample_grads_ += b;
  compute_s_ += watch.seconds();
  return loss.item<double>();
}

std::span<const float> NetworkOracle::at(std::span<const float> x,
                                         std::span<const std::uint32_t> rows) {
  const bool foreign = x.data() != flat_.params().data();
  if (foreign) {
    saved_.assign(flat_.params().begin(), flat_.params().end());
    std::copy(x.begin(), x.end(), flat_.params().begin());
  }
  const double loss = backward_on(rows);
  tally_.loss_sum += loss;
  tally_.batches += 1;
  if (foreign) std::copy(saved_.begin(), saved_.end(), flat_.params().begin());
  return flat_.grads();
}

std::span<const float> NetworkOracle::gradient(std::span<const float> x) {
  if (full_ == FullGradient::loader) return at(x, loader_.next_batch());
  // The exact mean over the shard: chunk gradients weighted by their share of the samples,
  // accumulated in shard order.
  acc_.assign(flat_.size(), 0.0f);
  const std::size_t m = shard_.size();
  for (std::size_t begin = 0; begin < m; begin += chunk_) {
    const std::size_t end = std::min(m, begin + chunk_);
    const std::span<const float> g =
        at(x, std::span<const std::uint32_t>(shard_).subspan(begin, end - begin));
    const float w = static_cast<float>(static_cast<double>(end - begin) / static_cast<double>(m));
    for (std::size_t j = 0; j < acc_.size(); ++j) acc_[j] += w * g[j];
  }
  std::copy(acc_.begin(), acc_.end(), flat_.grads().begin());
  return flat_.grads();
}

std::span<const float> NetworkOracle::minibatch_gradient(std::span<const float> x,
                                                         std::span<const std::uint32_t> idx) {
  rows_.resize(idx.size());
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] >= shard_.size()) {
      throw InvalidArgument("NetworkOracle: sample " + std::to_string(idx[i]) +
                            " outside the shard of " + std::to_string(shard_.size()));
    }
    rows_[i] = shard_[idx[i]];
  }
  return at(x, rows_);
}

LossTally NetworkOracle::take_loss() {
  LossTally t = tally_;
  tally_ = {};
  return t;
}

}  // namespace dcopt::train
