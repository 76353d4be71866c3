// NetworkOracle: gradients on the right rows, a foreign x evaluated without disturbing the
// model's parameters, the full-shard gradient as the sample-weighted mean of its chunks.
#include "dcopt/train/network_oracle.hpp"

#include <gtest/gtest.h>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/train/models/mlp.hpp"
#include "dcopt/train/parameter_init.hpp"

namespace dcopt::train {
namespace {

ImageDataset tiny_dataset(std::size_t count) {
  ImageDataset d;
  d.count = count;
  d.channels = 1;
  d.rows = 2;
  d.cols = 2;
  d.classes = 3;
  d.name = "tiny";
  Rng rng(5, Purpose::test);
  for (std::size_t i = 0; i < count * 4; ++i) d.pixels.push_back(float(rng.normal()));
  for (std::size_t i = 0; i < count; ++i) d.labels.push_back(std::int64_t(i % 3));
  return d;
}

struct Fixture {
  ImageDataset data = tiny_dataset(12);
  Mlp net{{1, 2, 2}, {5}, 3};
  FlatParameters flat{net};
  std::vector<std::uint32_t> shard{1, 3, 4, 6, 7, 9, 10, 11};
  BatchLoader loader{shard, 4, 3, 0};
  Fixture() { init_parameters(net, flat, 2); }
  NetworkOracle oracle(FullGradient full, std::size_t chunk) {
    return NetworkOracle(net, flat, data, shard, loader, full, chunk);
  }
};

// The gradient of mean cross-entropy over `rows`, computed with plain torch ops on a copy of
// the weights (no flat buffers involved).
std::vector<float> reference_gradient(Fixture& f, std::span<const float> x,
                                      const std::vector<std::uint32_t>& rows) {
  std::vector<torch::Tensor> w;
  for (std::size_t i = 0; i < f.flat.layout().num_tensors(); ++i) {
    const ParamTensor& t = f.flat.layout()[i];
    std::vector<std::int64_t> shape(t.shape.begin(), t.shape.end());
    w.push_back(torch::from_blob(const_cast<float*>(x.data()) + t.offset, shape)
                    .clone()
                    .set_requires_grad(true));
  }
  std::vector<float> px;
  std::vector<std::int64_t> lab;
  for (auto r : rows) {
    for (int j = 0; j < 4; ++j) px.push_back(f.data.pixels[r * 4 + j]);
    lab.push_back(f.data.labels[r]);
  }
  const auto n = static_cast<std::int64_t>(rows.size());
  torch::Tensor in = torch::from_blob(px.data(), {n, 4});
  torch::Tensor h = torch::relu(torch::nn::functional::linear(in, w[0], w[1]));
  torch::Tensor out = torch::nn::functional::linear(h, w[2], w[3]);
  torch::nn::functional::cross_entropy(out, torch::from_blob(lab.data(), {n}, torch::kInt64))
      .backward();
  std::vector<float> g;
  for (auto& t : w) {
    torch::Tensor gt = t.grad().contiguous();
    g.insert(g.end(), gt.data_ptr<float>(), gt.data_ptr<float>() + gt.numel());
  }
  return g;
}

void expect_near(std::span<const float> a, const std::vector<float>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], tol) << "entry " << i;
}

TEST(NetworkOracle, MinibatchGradientUsesTheShardRowsItIsGiven) {
  Fixture f;
  NetworkOracle o = f.oracle(FullGradient::loader, 100);
  const std::vector<std::uint32_t> idx = {0, 2, 2, 7};  // shard positions -> rows 1, 4, 4, 11
  const std::vector<float> x(f.flat.params().begin(), f.flat.params().end());
  const std::vector<float> want = reference_gradient(f, x, {1, 4, 4, 11});
  // Same float kernels, same order: agreement to float rounding of a few operations.
  expect_near(o.minibatch_gradient(f.flat.params(), idx), want, 1e-6);
  EXPECT_EQ(o.sample_grads(), 4u);
  EXPECT_THROW(o.minibatch_gradient(f.flat.params(), std::vector<std::uint32_t>{8}),
               InvalidArgument);
}

TEST(NetworkOracle, ForeignPointIsEvaluatedAndTheParametersRestored) {
  Fixture f;
  NetworkOracle o = f.oracle(FullGradient::loader, 100);
  const std::vector<float> before(f.flat.params().begin(), f.flat.params().end());
  std::vector<float> other = before;
  for (float& v : other) v *= 0.5f;
  const std::vector<std::uint32_t> idx = {1, 3};
  const std::vector<float> want = reference_gradient(f, other, {3, 6});
  expect_near(o.minibatch_gradient(other, idx), want, 1e-6);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), f.flat.params().begin()));
}

TEST(NetworkOracle, LoaderGradientFollowsTheLoader) {
  Fixture f;
  BatchLoader twin(f.shard, 4, 3, 0);
  NetworkOracle o = f.oracle(FullGradient::loader, 100);
  for (int step = 0; step < 3; ++step) {
    const auto rows = twin.next_batch();
    const std::vector<std::uint32_t> r(rows.begin(), rows.end());
    const std::vector<float> x(f.flat.params().begin(), f.flat.params().end());
    expect_near(o.gradient(f.flat.params()), reference_gradient(f, x, r), 1e-6);
  }
  EXPECT_EQ(o.take_loss().batches, 3u);
  EXPECT_EQ(o.loss().batches, 0u);
}

TEST(NetworkOracle, ShardGradientIsTheWeightedMeanOfItsChunks) {
  Fixture f;
  // Chunks of 3 over 8 rows: 3 + 3 + 2, weighted 3/8, 3/8, 2/8: the exact shard mean.
  NetworkOracle o = f.oracle(FullGradient::shard, 3);
  const std::vector<float> x(f.flat.params().begin(), f.flat.params().end());
  expect_near(o.gradient(f.flat.params()), reference_gradient(f, x, f.shard), 1e-6);
  EXPECT_EQ(o.sample_grads(), 8u);
}

}  // namespace
}  // namespace dcopt::train
