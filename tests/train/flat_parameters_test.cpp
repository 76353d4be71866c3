// FlatParameters: the module's parameters and gradients are views into the two flat buffers, in
// registration order, and backward writes straight into the gradient buffer.
#include "dcopt/train/flat_parameters.hpp"

#include <gtest/gtest.h>

#include "dcopt/train/models/cnn.hpp"
#include "dcopt/train/models/mlp.hpp"
#include "dcopt/train/models/resnet18.hpp"
#include "dcopt/train/parameter_init.hpp"

namespace dcopt::train {
namespace {

TEST(FlatParameters, CnnHasTheRaceAnchorsParameterCountAndLayout) {
  Cnn net({1, 28, 28}, 10);
  FlatParameters flat(net);
  // conv1 32*1*25+32, conv2 64*32*25+64, fc1 1024*128+128, fc2 128*10+10.
  EXPECT_EQ(flat.size(), 832u + 51264u + 131200u + 1290u);
  EXPECT_EQ(flat.size(), 184586u);
  ASSERT_EQ(flat.layout().num_tensors(), 8u);
  EXPECT_EQ(flat.layout()[0].name, "conv1.weight");
  EXPECT_EQ(flat.layout()[0].shape, (std::vector<std::size_t>{32, 1, 5, 5}));
  EXPECT_EQ(flat.layout()[7].name, "fc2.bias");
  EXPECT_TRUE(flat.layout().covers_buffer());
}

TEST(FlatParameters, ResNet18CountsItsParametersExactly) {
  ResNet18 net({1, 28, 28}, 10);
  FlatParameters flat(net);
  // stem 576 + 128; stage 1: 2 x (2 x 36864 + 256); stage 2: 230144 + 295424; stage 3:
  // 919040 + 1180672; stage 4: 3673088 + 4720640; fc 5130 (counted by hand from the shapes).
  EXPECT_EQ(flat.size(), 11172810u);
  EXPECT_FALSE(net.buffers().empty());  // BatchNorm running statistics stay buffers
}

TEST(FlatParameters, ParametersAndGradientsAliasTheFlatBuffers) {
  Mlp net({1, 4, 4}, {8}, 3);
  FlatParameters flat(net);
  std::size_t i = 0;
  for (auto& p : net.parameters()) {
    const ParamTensor& t = flat.layout()[i++];
    EXPECT_EQ(p.data_ptr<float>(), flat.params().data() + t.offset) << t.name;
    ASSERT_TRUE(p.grad().defined());
    EXPECT_EQ(p.grad().data_ptr<float>(), flat.grads().data() + t.offset) << t.name;
  }
  // Writing the flat buffer changes the module's weights.
  flat.params()[0] = 42.0f;
  EXPECT_EQ(net.parameters()[0].data_ptr<float>()[0], 42.0f);

  // backward accumulates into the gradient buffer in place; zero_grads clears it.
  torch::Tensor x = torch::ones({2, 1, 4, 4});
  net.forward(x).sum().backward();
  double sum_sq = 0;
  for (float g : flat.grads()) sum_sq += double(g) * g;
  EXPECT_GT(sum_sq, 0.0);
  i = 0;
  for (auto& p : net.parameters()) {
    EXPECT_EQ(p.grad().data_ptr<float>(), flat.grads().data() + flat.layout()[i++].offset);
  }
  // The bias gradient of the last layer of sum(logits) is the batch size, per class.
  const ParamTensor& last_bias = flat.layout()[flat.layout().num_tensors() - 1];
  for (float g : flat.layout().view(flat.grads(), flat.layout().num_tensors() - 1)) {
    EXPECT_EQ(g, 2.0f) << last_bias.name;
  }
  flat.zero_grads();
  for (float g : flat.grads()) ASSERT_EQ(g, 0.0f);
}

TEST(ParameterInit, SameSeedSameWeightsWithinTorchDefaultBounds) {
  Cnn a({1, 28, 28}, 10), b({1, 28, 28}, 10), c({1, 28, 28}, 10);
  FlatParameters fa(a), fb(b), fc(c);
  init_parameters(a, fa, 7);
  init_parameters(b, fb, 7);
  init_parameters(c, fc, 8);
  EXPECT_TRUE(std::equal(fa.params().begin(), fa.params().end(), fb.params().begin()));
  EXPECT_FALSE(std::equal(fa.params().begin(), fa.params().end(), fc.params().begin()));
  // U(-1/sqrt(fan_in), 1/sqrt(fan_in)): conv2 has fan_in 32*25 = 800, fc1 1024.
  const auto bound_ok = [&](const char* name, double fan_in) {
    double max_abs = 0;
    for (float v : fa.layout().view(fa.params(), name))
      max_abs = std::max(max_abs, double(std::abs(v)));
    EXPECT_LE(max_abs, 1.0 / std::sqrt(fan_in)) << name;
    // With thousands of draws the largest is close to the bound (not a smaller scale).
    EXPECT_GT(max_abs, 0.95 / std::sqrt(fan_in)) << name;
  };
  bound_ok("conv2.weight", 800);
  bound_ok("fc1.weight", 1024);
  bound_ok("fc1.bias", 1024);
}

TEST(ParameterInit, BatchNormStartsAsIdentity) {
  ResNet18 net({1, 28, 28}, 10);
  FlatParameters flat(net);
  init_parameters(net, flat, 1);
  for (float v : flat.layout().view(flat.params(), "bn1.weight")) ASSERT_EQ(v, 1.0f);
  for (float v : flat.layout().view(flat.params(), "bn1.bias")) ASSERT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace dcopt::train
