#include "dcopt/optim/sgd.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dcopt/core/error.hpp"
#include "optim/two_tensor_net.hpp"

namespace dcopt {
namespace {

using namespace optim_test;
using ::testing::HasSubstr;

// Exact float equality throughout: the reference evaluates the documented formula with the same
// float coefficients in the same order, so any other order or precision differs in some entry.

TEST(Sgd, PlainStepWithDyadicNumbersIsExact) {
  const ParamLayout layout = ParamLayout::packed({{"x", {2}}});
  Sgd sgd(layout, {});
  std::vector<float> p{1.0f, -2.0f};
  const std::vector<float> g{0.5f, 0.25f};
  sgd.step(p, g, 0.5);
  EXPECT_EQ(p, (std::vector<float>{0.75f, -2.125f}));  // p - 0.5 g
  EXPECT_EQ(sgd.steps(), 1u);
  EXPECT_TRUE(sgd.momentum_buffer().empty());
}

TEST(Sgd, CoupledWeightDecayTwoStepsSkipsExcludedTensor) {
  SgdOptions o;
  o.weight_decay = 0.1;
  o.no_decay = {"b"};
  Sgd sgd(two_tensor_layout(), o);
  std::vector<float> p = start_params();
  std::vector<float> want = p;
  const double lr = 0.05;
  for (const auto& g : {grad1(), grad2()}) {
    for (std::size_t i = 0; i < want.size(); ++i) {
      float d = g[i];
      if (in_w(i)) d = d + 0.1f * want[i];
      want[i] = want[i] - 0.05f * d;
    }
    sgd.step(p, g, lr);
  }
  EXPECT_EQ(p, want);
  // The excluded tensor moved by -lr * g only: 0.1 - 0.05*0.5 - 0.05*0.35.
  EXPECT_EQ(p[6], (0.1f - 0.05f * 0.5f) - 0.05f * 0.35f);
}

TEST(Sgd, MomentumFirstStepBufferIsTheGradientNotDampened) {
  SgdOptions o;
  o.momentum = 0.9;
  o.dampening = 0.5;
  Sgd sgd(two_tensor_layout(), o);
  std::vector<float> p = start_params();
  const std::vector<float> g1 = grad1(), g2 = grad2();
  sgd.step(p, g1, 0.1);
  // torch: the first buffer is a copy of d, (1 - dampening) does not apply.
  EXPECT_EQ(std::vector<float>(sgd.momentum_buffer().begin(), sgd.momentum_buffer().end()), g1);
  std::vector<float> want = start_params();
  for (std::size_t i = 0; i < want.size(); ++i) want[i] = want[i] - 0.1f * g1[i];
  EXPECT_EQ(p, want);
  sgd.step(p, g2, 0.1);
  for (std::size_t i = 0; i < want.size(); ++i) {
    const float buf = 0.9f * g1[i] + 0.5f * g2[i];
    EXPECT_EQ(sgd.momentum_buffer()[i], buf) << i;
    want[i] = want[i] - 0.1f * buf;
  }
  EXPECT_EQ(p, want);
}

TEST(Sgd, NesterovTwoStepsWithWeightDecay) {
  SgdOptions o;
  o.momentum = 0.9;
  o.nesterov = true;
  o.weight_decay = 0.01;
  Sgd sgd(two_tensor_layout(), o);
  std::vector<float> p = start_params();
  std::vector<float> want = p;
  std::vector<float> buf(want.size());
  bool first = true;
  for (const auto& g : {grad1(), grad2()}) {
    for (std::size_t i = 0; i < want.size(); ++i) {
      float d = g[i] + 0.01f * want[i];  // no_decay empty: both tensors decay
      buf[i] = first ? d : 0.9f * buf[i] + 1.0f * d;
      d = d + 0.9f * buf[i];
      want[i] = want[i] - 0.2f * d;
    }
    first = false;
    sgd.step(p, g, 0.2);
  }
  EXPECT_EQ(p, want);
  // Nesterov really differs from heavy ball on the same data.
  o.nesterov = false;
  Sgd heavy(two_tensor_layout(), o);
  std::vector<float> q = start_params();
  heavy.step(q, grad1(), 0.2);
  heavy.step(q, grad2(), 0.2);
  EXPECT_NE(p, q);
}

TEST(Sgd, NesterovNeedsMomentumAndZeroDampening) {
  auto error = [](double momentum, double dampening) -> std::string {
    SgdOptions o;
    o.nesterov = true;
    o.momentum = momentum;
    o.dampening = dampening;
    try {
      Sgd sgd(two_tensor_layout(), o);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "(accepted)";
  };
  EXPECT_THAT(error(0.0, 0.0), HasSubstr("nesterov = true requires momentum > 0"));
  EXPECT_THAT(error(0.9, 0.1), HasSubstr("dampening = 0"));
  EXPECT_EQ(error(0.9, 0.0), "(accepted)");
}

TEST(Sgd, WrongBufferSizeIsAProgrammingError) {
  Sgd sgd(two_tensor_layout(), {});
  std::vector<float> p(8), g(9);
  EXPECT_THROW(sgd.step(p, g, 0.1), std::invalid_argument);
}

}  // namespace
}  // namespace dcopt
