// EmbeddingPerturbation on a tiny encoder: the PGA step increases the adversarial loss, the
// projection keeps the perturbation in the l_inf ball, lambda = 0 / none / FreeLB(K = 1, no init)
// are the clean step bit for bit, FreeLB's norm bound, Gaussian noise's scale, determinism by seed,
// option and input errors.
#include "dcopt/train/embedding_perturbation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/models/transformer_encoder.hpp"
#include "dcopt/train/symmetric_kl.hpp"
#include "dcopt/train/text_parameter_init.hpp"

namespace dcopt::train {
namespace {

constexpr int kVocab = 12;

TransformerConfig tiny(int labels = 2) {
  TransformerConfig c = default_transformer_config("bert", kVocab, labels);
  c.hidden = 16;
  c.embedding = 16;
  c.layers = 2;
  c.heads = 2;
  c.ffn = 32;
  c.max_positions = 16;
  return c;
}

struct Model {
  explicit Model(int labels = 2, std::uint64_t seed = 1)
      : net(std::make_shared<TransformerEncoder>(tiny(labels))), flat(*net) {
    init_text_parameters(*net, flat, seed);
  }
  std::vector<float> grads() const {
    return std::vector<float>(flat.grads().begin(), flat.grads().end());
  }
  std::shared_ptr<TransformerEncoder> net;
  FlatParameters flat;
};

// 8 sequences of 6 tokens; the last two columns of rows 4..7 are padding.
TextInputs batch(bool regression = false) {
  Rng rng(7, Purpose::test);
  TextInputs b;
  b.ids = torch::empty({8, 6}, torch::kInt64);
  b.attention_mask = torch::ones({8, 6}, torch::kInt64);
  auto ids = b.ids.accessor<std::int64_t, 2>();
  auto mask = b.attention_mask.accessor<std::int64_t, 2>();
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 6; ++j) {
      ids[i][j] = 1 + static_cast<std::int64_t>(rng.below(kVocab - 1));
      if (i >= 4 && j >= 4) {
        ids[i][j] = 0;
        mask[i][j] = 0;
      }
    }
  b.segments = torch::zeros({8, 6}, torch::kInt64);
  if (regression) {
    b.labels = torch::linspace(-1.0, 1.0, 8, torch::kFloat32);
  } else {
    b.labels = torch::tensor(std::vector<std::int64_t>{0, 1, 1, 0, 1, 0, 0, 1});
  }
  return b;
}

torch::Generator generator(std::uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::Tensor logits_at(Model& m, const TextInputs& b, const torch::Tensor& delta) {
  torch::NoGradGuard no_grad;
  m.net->eval();
  return m.net->classify(
      m.net->encode(m.net->token_embeddings(b.ids) + delta, b.segments, b.attention_mask));
}

PerturbationOptions pga(double rho, double omega, AscentDirection dir, double init = 1e-2) {
  PerturbationOptions o;
  o.mode = PerturbationMode::pga;
  o.step_size = rho;
  o.radius = omega;
  o.direction = dir;
  o.init_sigma = init;
  return o;
}

// The final delta of a run (eval mode: no dropout).
PerturbationResult run(Model& m, const TextInputs& b, const PerturbationOptions& o,
                       std::uint64_t seed = 3) {
  m.net->eval();
  const torch::Tensor clean = m.net->forward(b.ids, b.segments, b.attention_mask);
  torch::Generator gen = generator(seed);
  return EmbeddingPerturbation(o).run(*m.net, b, clean, gen);
}

TEST(EmbeddingPerturbation, PgaStepIncreasesTheAdversarialLoss) {
  Model m;
  const TextInputs b = batch();
  const torch::Tensor clean = logits_at(m, b, torch::zeros({8, 6, 16}));
  for (AscentDirection dir :
       {AscentDirection::plain, AscentDirection::sign, AscentDirection::linf}) {
    SCOPED_TRACE(static_cast<int>(dir));
    // rho = 0 leaves delta at delta_0 (the same generator seed draws the same delta_0).
    // The plain gradient of r near delta_0 ~ 1e-2 is tiny (r is quadratic there, its curvature
    // ~1e-5 on this model), so the plain step needs a large rho to move delta visibly.
    const double rho = dir == AscentDirection::plain ? 1e4 : 1e-2;
    const PerturbationResult start = run(m, b, pga(0.0, 1.0, dir));
    const PerturbationResult moved = run(m, b, pga(rho, 1.0, dir));
    EXPECT_FALSE(torch::equal(start.delta, moved.delta));
    const double r0 = output_divergence(logits_at(m, b, start.delta), clean).item<double>();
    const double r1 = output_divergence(logits_at(m, b, moved.delta), clean).item<double>();
    EXPECT_GT(r1, 1.5 * r0) << r0 << " -> " << r1;
    EXPECT_NEAR(moved.divergence, r1, 1e-6 * r1);
    ASSERT_TRUE(moved.term.defined());
    EXPECT_NEAR(moved.term.item<double>(), r1, 1e-6 * r1);  // lambda = 1
  }
  // The ground-truth ablation ascends the cross-entropy with the true labels.
  PerturbationOptions gt = pga(1e-2, 1.0, AscentDirection::sign);
  gt.label = AdversarialLabel::ground_truth;
  PerturbationOptions gt0 = gt;
  gt0.step_size = 0;
  const double ce0 = task_loss(logits_at(m, b, run(m, b, gt0).delta), b.labels).item<double>();
  const double ce1 = task_loss(logits_at(m, b, run(m, b, gt).delta), b.labels).item<double>();
  EXPECT_GT(ce1, ce0 + 1e-4) << ce0 << " -> " << ce1;
}

TEST(EmbeddingPerturbation, RegressionUsesTheSquaredError) {
  Model m(1);
  const TextInputs b = batch(true);
  const torch::Tensor clean = logits_at(m, b, torch::zeros({8, 6, 16}));
  const PerturbationResult start = run(m, b, pga(0.0, 1.0, AscentDirection::sign));
  const PerturbationResult moved = run(m, b, pga(1e-2, 1.0, AscentDirection::sign));
  const double r0 = squared_error(logits_at(m, b, start.delta), clean).item<double>();
  const double r1 = squared_error(logits_at(m, b, moved.delta), clean).item<double>();
  EXPECT_GT(r1, r0);
  EXPECT_NEAR(moved.divergence, r1, 1e-6 * r1 + 1e-12);
}

TEST(EmbeddingPerturbation, ProjectionKeepsDeltaInTheBall) {
  Model m;
  const TextInputs b = batch();
  const torch::Tensor pad = (b.attention_mask == 0).unsqueeze(-1).expand({8, 6, 16});
  for (double omega : {1e-5, 1e-3}) {
    // The sign step of 1 overshoots the ball everywhere: every real entry ends at +-omega.
    const PerturbationResult sign = run(m, b, pga(1.0, omega, AscentDirection::sign));
    // The clamp bound is omega rounded to float.
    const double bound = static_cast<float>(omega);
    EXPECT_EQ(sign.delta.abs().max().item<double>(), bound);
    EXPECT_EQ(sign.delta_linf, bound);
    EXPECT_EQ(sign.delta.abs().min().item<double>(), 0.0);  // the padding
    EXPECT_EQ(sign.delta.abs().masked_select(pad.logical_not()).min().item<double>(), bound);
    EXPECT_EQ(sign.delta.masked_select(pad).abs().max().item<double>(), 0.0);  // no padding
    // The paper's defaults (rho = 1e-4, plain gradient), K = 3.
    PerturbationOptions o = pga(1e-4, omega, AscentDirection::plain, 1e-5);
    o.steps = 3;
    const PerturbationResult plain = run(m, b, o);
    EXPECT_LE(plain.delta_linf, static_cast<float>(omega));
    EXPECT_GT(plain.delta_linf, 0.0);
  }
}

// The clean step: forward, task loss, backward (train mode, seeded dropout).
std::vector<float> clean_grads(Model& m, const TextInputs& b, double* loss) {
  m.net->train();
  m.flat.zero_grads();
  m.net->set_dropout_seed(*b.dropout_seed);
  torch::Tensor l = task_loss(m.net->forward(b.ids, b.segments, b.attention_mask), b.labels);
  l.backward();
  *loss = l.item<double>();
  return m.grads();
}

std::vector<float> perturbed_grads(Model& m, const TextInputs& b, const PerturbationOptions& o,
                                   PerturbedStep* out = nullptr, std::uint64_t seed = 3) {
  m.net->train();
  m.flat.zero_grads();
  torch::Generator gen = generator(seed);
  const PerturbedStep s = perturbed_forward_backward(*m.net, b, EmbeddingPerturbation(o), gen);
  if (out) *out = s;
  return m.grads();
}

bool bit_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(EmbeddingPerturbation, LambdaZeroOrNoneIsTheCleanStepBitForBit) {
  Model m;
  TextInputs b = batch();
  b.dropout_seed = 11;
  double clean_loss = 0;
  const std::vector<float> clean = clean_grads(m, b, &clean_loss);
  PerturbationOptions none;
  none.mode = PerturbationMode::none;
  PerturbedStep s;
  EXPECT_TRUE(bit_equal(perturbed_grads(m, b, none, &s), clean));
  EXPECT_EQ(s.task_loss, clean_loss);
  EXPECT_FALSE(s.perturbation.term.defined());
  for (PerturbationMode mode : {PerturbationMode::pga, PerturbationMode::gaussian}) {
    PerturbationOptions zero = pga(1e-4, 1e-5, AscentDirection::plain);
    zero.mode = mode;
    zero.lambda = 0;
    EXPECT_TRUE(bit_equal(perturbed_grads(m, b, zero, &s), clean)) << to_string(mode);
    EXPECT_EQ(s.task_loss, clean_loss);
    EXPECT_EQ(s.perturbation.seconds, 0.0);
    // lambda > 0 changes the gradients: the comparison can fail.
    zero.lambda = 1;
    zero.sigma = 1e-2;
    EXPECT_FALSE(bit_equal(perturbed_grads(m, b, zero, &s), clean)) << to_string(mode);
    EXPECT_EQ(s.task_loss, clean_loss);  // the same clean pass
    EXPECT_GT(s.perturbation.seconds, 0.0);
  }
}

TEST(EmbeddingPerturbation, AscentLeavesTheWeightGradientsAloneAndDetachCleanMatters) {
  Model m;
  TextInputs b = batch();
  b.dropout_seed = 4;
  // run() alone: the ascent differentiates with respect to delta only (autograd::grad).
  m.net->train();
  m.flat.zero_grads();
  m.net->set_dropout_seed(4);
  const torch::Tensor clean = m.net->forward(b.ids, b.segments, b.attention_mask);
  torch::Generator gen = generator(3);
  PerturbationOptions o = pga(1e-2, 1e-2, AscentDirection::sign);
  o.steps = 2;
  const PerturbationResult r = EmbeddingPerturbation(o).run(*m.net, b, clean, gen);
  for (float g : m.flat.grads()) ASSERT_EQ(g, 0.0f);
  ASSERT_TRUE(r.term.defined());
  EXPECT_TRUE(r.term.requires_grad());
  // The term's gradient through the clean logits: present by default, gone with detach_clean.
  const std::vector<float> through = perturbed_grads(m, b, o);
  o.detach_clean = true;
  const std::vector<float> detached = perturbed_grads(m, b, o);
  EXPECT_FALSE(bit_equal(through, detached));
}

TEST(EmbeddingPerturbation, FreeLbWithOneStepAndNoInitIsTheCleanGradient) {
  Model m;
  TextInputs b = batch();
  b.dropout_seed = 11;
  double clean_loss = 0;
  const std::vector<float> clean = clean_grads(m, b, &clean_loss);
  PerturbationOptions o;
  o.mode = PerturbationMode::freelb;
  o.steps = 1;
  o.init_magnitude = 0;
  PerturbedStep s;
  EXPECT_TRUE(bit_equal(perturbed_grads(m, b, o, &s), clean));
  EXPECT_EQ(s.task_loss, clean_loss);
  EXPECT_TRUE(s.perturbation.backward_done);
  // Two steps of size 0.1 average the gradients at delta = 0 and at delta_1: different.
  o.steps = 2;
  o.step_size = 0.1;
  EXPECT_FALSE(bit_equal(perturbed_grads(m, b, o, &s), clean));
}

TEST(EmbeddingPerturbation, TheStepSplitsItsTimeIntoForwardBackwardAndPerturbation) {
  Model m;
  TextInputs b = batch();
  b.dropout_seed = 6;
  PerturbedStep s;
  perturbed_grads(m, b, pga(1e-2, 1e-2, AscentDirection::sign), &s);
  EXPECT_GT(s.forward_s, 0.0);
  EXPECT_GT(s.backward_s, 0.0);
  EXPECT_GT(s.perturbation.seconds, 0.0);
  PerturbationOptions none;
  none.mode = PerturbationMode::none;
  perturbed_grads(m, b, none, &s);
  EXPECT_GT(s.forward_s, 0.0);
  EXPECT_GT(s.backward_s, 0.0);
  EXPECT_EQ(s.perturbation.seconds, 0.0);
  // freelb has no clean pass: all of its time is the perturbation's.
  PerturbationOptions free;
  free.mode = PerturbationMode::freelb;
  free.steps = 2;
  perturbed_grads(m, b, free, &s);
  EXPECT_EQ(s.forward_s, 0.0);
  EXPECT_EQ(s.backward_s, 0.0);
  EXPECT_GT(s.perturbation.seconds, 0.0);
}

TEST(EmbeddingPerturbation, FreeLbKeepsThePerExampleNormBound) {
  Model m;
  TextInputs b = batch();
  b.dropout_seed = 5;
  PerturbationOptions o;
  o.mode = PerturbationMode::freelb;
  o.steps = 3;
  o.step_size = 1.0;  // far beyond the bound
  o.init_magnitude = 0.05;
  o.max_norm = 0.2;
  PerturbedStep s;
  perturbed_grads(m, b, o, &s);
  const torch::Tensor norms = s.perturbation.delta.flatten(1).norm(2, 1);
  EXPECT_LE(norms.max().item<double>(), 0.2 * (1 + 1e-6));
  EXPECT_GT(norms.min().item<double>(), 0.2 * (1 - 1e-6));  // every example hit the bound
  EXPECT_GT(s.task_loss, 0.0);
}

TEST(EmbeddingPerturbation, GaussianNoiseHasItsScale) {
  Model m;
  const TextInputs b = batch();
  PerturbationOptions o;
  o.mode = PerturbationMode::gaussian;
  o.sigma = 1e-3;
  const PerturbationResult r = run(m, b, o);
  const torch::Tensor real =
      r.delta.masked_select((b.attention_mask != 0).unsqueeze(-1).expand({8, 6, 16}));
  // 640 real entries: the sample std is within 15% of sigma with overwhelming probability.
  EXPECT_NEAR(real.std().item<double>(), 1e-3, 1.5e-4);
  EXPECT_GT(r.divergence, 0.0);
  ASSERT_TRUE(r.term.defined());
}

TEST(EmbeddingPerturbation, IsDeterministicBySeed) {
  Model m;
  TextInputs b = batch();
  b.dropout_seed = 9;
  for (PerturbationMode mode :
       {PerturbationMode::pga, PerturbationMode::gaussian, PerturbationMode::freelb}) {
    SCOPED_TRACE(to_string(mode));
    PerturbationOptions o = pga(1e-2, 1e-2, AscentDirection::sign);
    o.mode = mode;
    o.init_magnitude = 0.1;
    o.steps = 2;
    PerturbedStep s1, s2, s3;
    const std::vector<float> g1 = perturbed_grads(m, b, o, &s1, 21);
    const std::vector<float> g2 = perturbed_grads(m, b, o, &s2, 21);
    const std::vector<float> g3 = perturbed_grads(m, b, o, &s3, 22);
    EXPECT_TRUE(bit_equal(g1, g2));
    EXPECT_TRUE(torch::equal(s1.perturbation.delta, s2.perturbation.delta));
    EXPECT_FALSE(torch::equal(s1.perturbation.delta, s3.perturbation.delta));
    EXPECT_FALSE(bit_equal(g1, g3));
  }
}

TEST(EmbeddingPerturbation, RejectsBadOptionsAndMissingInputs) {
  auto with = [](auto set) {
    PerturbationOptions o;
    set(o);
    return o;
  };
  EXPECT_THROW(EmbeddingPerturbation(with([](auto& o) { o.steps = 0; })), InvalidArgument);
  EXPECT_THROW(EmbeddingPerturbation(with([](auto& o) { o.radius = 0; })), InvalidArgument);
  EXPECT_THROW(EmbeddingPerturbation(with([](auto& o) { o.lambda = -1; })), InvalidArgument);
  EXPECT_THROW(EmbeddingPerturbation(with([](auto& o) { o.step_size = std::nan(""); })),
               InvalidArgument);
  EXPECT_THROW(parse_perturbation_mode("fgsm"), InvalidArgument);
  EXPECT_EQ(parse_perturbation_mode("freelb"), PerturbationMode::freelb);
  Model m;
  TextInputs b = batch();
  b.labels = torch::Tensor();
  torch::Generator gen = generator(1);
  PerturbationOptions o;
  EXPECT_THROW(EmbeddingPerturbation(o).run(*m.net, b, torch::Tensor(), gen), InvalidArgument);
  o.mode = PerturbationMode::freelb;
  EXPECT_THROW(EmbeddingPerturbation(o).run(*m.net, b, torch::Tensor(), gen), InvalidArgument);
}

}  // namespace
}  // namespace dcopt::train
