// TextTaskOracle on a tiny encoder and a few dozen examples built here: the clean paths (mode
// none, pga with lambda = 0, pga inactive) are a hand-built clean step bit for bit; active pga
// changes the gradient (but not the tallied task loss); the draw stream makes runs repeatable and
// resumable; shard positions are checked; regression works; a foreign x is restored.
#include "dcopt/train/text_task_oracle.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/train/models/transformer_encoder.hpp"
#include "dcopt/train/text_parameter_init.hpp"
#include "dcopt/train/torch_threads.hpp"

namespace dcopt::train {
namespace {

constexpr int kVocab = 12;
constexpr std::size_t kMaxLen = 12;
constexpr std::uint32_t kExamples = 40;

// 40 sentence pairs of 1..5 and 1..4 ordinary ids (5..11). Class: whether a holds more 5s than b;
// regression target: the mean id of a, centered. Some pairs exceed kMaxLen (truncation) and the
// lengths vary (padding).
TokenizedDataset examples(bool regression) {
  Rng rng(3, Purpose::test);
  TokenizedDataset d;
  d.labeled = true;
  d.vocab_size = kVocab;
  for (std::uint32_t i = 0; i < kExamples; ++i) {
    std::vector<std::int32_t> a(1 + rng.below(5)), b(1 + rng.below(4));
    int fives = 0;
    double sum = 0;
    for (auto& t : a) {
      t = kNumSpecialIds + static_cast<std::int32_t>(rng.below(kVocab - kNumSpecialIds));
      fives += t == kNumSpecialIds;
      sum += t;
    }
    for (auto& t : b) {
      t = kNumSpecialIds + static_cast<std::int32_t>(rng.below(kVocab - kNumSpecialIds));
      fives -= t == kNumSpecialIds;
    }
    d.a.push_back(a);
    d.b.push_back(b);
    if (regression) {
      d.targets.push_back(static_cast<float>(sum / static_cast<double>(a.size()) - 8.0));
    } else {
      d.label_ids.push_back(fives > 0 ? 1 : 0);
    }
  }
  return d;
}

const TokenizedDataset& classification() {
  static const TokenizedDataset d = examples(false);
  return d;
}
const TokenizedDataset& regression() {
  static const TokenizedDataset d = examples(true);
  return d;
}

// H = 16, 1 layer, 2 heads, FFN 32, 16 positions; dropout 0.1 (on: the network is in train()).
TransformerConfig tiny(int labels) {
  TransformerConfig c = default_transformer_config("bert", kVocab, labels);
  c.hidden = 16;
  c.embedding = 16;
  c.layers = 1;
  c.heads = 2;
  c.ffn = 32;
  c.max_positions = 16;
  return c;
}

struct Model {
  explicit Model(int labels = 2)
      : net(std::make_shared<TransformerEncoder>(tiny(labels))), flat(*net) {
    init_text_parameters(*net, flat, 5);
    net->train();
  }
  std::vector<float> grads() const {
    return std::vector<float>(flat.grads().begin(), flat.grads().end());
  }
  std::shared_ptr<TransformerEncoder> net;
  FlatParameters flat;
};

std::vector<std::uint32_t> shard() {
  std::vector<std::uint32_t> v;
  for (std::uint32_t i = 4; i < 36; ++i) v.push_back(i);  // not starting at 0: rows != positions
  return v;
}

constexpr std::size_t kBatch = 8;
constexpr std::uint64_t kSeed = 17;
constexpr std::size_t kRank = 1;

BatchLoader loader() { return BatchLoader(shard(), kBatch, kSeed, kRank); }

TextTaskOptions options(PerturbationMode mode, double lambda = 1.0) {
  TextTaskOptions o;
  o.max_len = kMaxLen;
  o.perturbation.mode = mode;
  o.perturbation.lambda = lambda;
  // A visible perturbation on this small model: sign steps saturating a 1e-2 box.
  o.perturbation.direction = AscentDirection::sign;
  o.perturbation.step_size = 1e-2;
  o.perturbation.radius = 1e-2;
  o.perturbation.init_sigma = 1e-3;
  o.seed = kSeed;
  o.rank = kRank;
  return o;
}

bool bit_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<float> copy(std::span<const float> s) { return std::vector<float>(s.begin(), s.end()); }

// The clean step of draw `draw` on dataset rows `rows`, built by hand from the documented
// stream: dropout seed = the first u64 of Rng(seed, perturbation, rank, draw).
std::vector<float> hand_built(Model& m, const TokenizedDataset& data,
                              std::span<const std::uint32_t> rows, std::uint64_t draw,
                              double* loss) {
  TextBatch b = make_text_batch(data, rows, kMaxLen);
  const auto n = static_cast<std::int64_t>(b.rows), s = static_cast<std::int64_t>(b.cols);
  auto t = [&](std::vector<std::int64_t>& v) {
    return torch::from_blob(v.data(), {n, s}, torch::kInt64);
  };
  const torch::Tensor labels = b.targets.empty()
                                   ? torch::from_blob(b.label_ids.data(), {n}, torch::kInt64)
                                   : torch::from_blob(b.targets.data(), {n}, torch::kFloat32);
  m.flat.zero_grads();
  m.net->set_dropout_seed(Rng(kSeed, Purpose::perturbation, kRank, draw).next_u64());
  torch::Tensor l =
      task_loss(m.net->forward(t(b.input_ids), t(b.segment_ids), t(b.attention_mask)), labels);
  l.backward();
  *loss = l.item<double>();
  return m.grads();
}

// The loader's second batch (draw 1), replayed.
std::vector<std::uint32_t> second_batch() {
  BatchLoader replay = loader();
  replay.next_batch();
  const std::span<const std::uint32_t> b = replay.next_batch();
  return std::vector<std::uint32_t>(b.begin(), b.end());
}

// The gradient of an oracle's second call of gradient() (draw 1: the round matters), and the
// task loss it tallied.
std::vector<float> second_gradient(Model& m, const TextTaskOptions& o, bool active,
                                   double* loss = nullptr, double* divergence = nullptr) {
  BatchLoader l = loader();
  TextTaskOracle oracle(*m.net, m.flat, classification(), shard(), l, o);
  oracle.set_perturbation_active(active);
  EXPECT_EQ(oracle.perturbation_active(), active);
  oracle.gradient(m.flat.params());
  oracle.take_loss();
  const std::vector<float> g = copy(oracle.gradient(m.flat.params()));
  EXPECT_EQ(oracle.draws(), 2u);
  EXPECT_EQ(oracle.sample_grads(), 2 * kBatch);
  EXPECT_EQ(oracle.loss().batches, 1u);
  if (loss) *loss = oracle.loss().loss_sum;
  if (divergence) *divergence = oracle.last_divergence();
  return g;
}

TEST(TextTaskOracle, CleanPathsAreTheHandBuiltCleanStepBitForBit) {
  configure_torch_threads(1);
  Model m;
  double hand_loss = 0;
  const std::vector<std::uint32_t> rows = second_batch();
  const std::vector<float> hand = hand_built(m, classification(), rows, 1, &hand_loss);
  double l_none = 0, l_zero = 0, l_inactive = 0, d = -1;
  const std::vector<float> none =
      second_gradient(m, options(PerturbationMode::none), true, &l_none, &d);
  EXPECT_EQ(d, 0.0);
  const std::vector<float> zero =
      second_gradient(m, options(PerturbationMode::pga, 0.0), true, &l_zero, &d);
  EXPECT_EQ(d, 0.0);
  const std::vector<float> inactive =
      second_gradient(m, options(PerturbationMode::pga), false, &l_inactive, &d);
  EXPECT_EQ(d, 0.0);
  EXPECT_TRUE(bit_equal(none, hand));
  EXPECT_TRUE(bit_equal(zero, hand));
  EXPECT_TRUE(bit_equal(inactive, hand));
  EXPECT_EQ(l_none, hand_loss);
  EXPECT_EQ(l_zero, hand_loss);
  EXPECT_EQ(l_inactive, hand_loss);
  // The comparison can fail: draw 0's dropout mask (or draw 1's without dropout) differs.
  double other = 0;
  EXPECT_FALSE(bit_equal(hand_built(m, classification(), rows, 0, &other), hand));
  double mx = 0;
  for (float g : hand) mx = std::max(mx, double(std::abs(g)));
  EXPECT_GT(mx, 1e-3);  // not a comparison of zeros
}

TEST(TextTaskOracle, ActivePgaChangesTheGradientButTalliesTheTaskLoss) {
  configure_torch_threads(1);
  Model m;
  double hand_loss = 0;
  const std::vector<float> hand = hand_built(m, classification(), second_batch(), 1, &hand_loss);
  double loss = 0, divergence = 0;
  const std::vector<float> g =
      second_gradient(m, options(PerturbationMode::pga), true, &loss, &divergence);
  EXPECT_FALSE(bit_equal(g, hand));
  EXPECT_GT(divergence, 0.0);
  // The clean pass is the same (same dropout seed): the tally is its loss, not task + lambda r.
  EXPECT_EQ(loss, hand_loss);

  // The time split: each part measured, compute_seconds their sum; inactive adds no
  // perturbation time.
  BatchLoader l = loader();
  TextTaskOracle oracle(*m.net, m.flat, classification(), shard(), l,
                        options(PerturbationMode::pga));
  oracle.gradient(m.flat.params());
  const TextStepTimes t = oracle.times();
  EXPECT_GT(t.forward_s, 0.0);
  EXPECT_GT(t.backward_s, 0.0);
  EXPECT_GT(t.perturbation_s, 0.0);
  EXPECT_DOUBLE_EQ(oracle.compute_seconds(), t.forward_s + t.backward_s + t.perturbation_s);
  oracle.set_perturbation_active(false);
  oracle.gradient(m.flat.params());
  EXPECT_EQ(oracle.times().perturbation_s, t.perturbation_s);
  EXPECT_GT(oracle.times().forward_s, t.forward_s);
}

TEST(TextTaskOracle, TheDrawStreamRepeatsAndResumes) {
  configure_torch_threads(1);
  const TextTaskOptions o = options(PerturbationMode::pga);
  // Fresh objects, the same calls: the same gradients, draw by draw.
  auto run = [&](std::size_t rank) {
    Model m;
    BatchLoader l(shard(), kBatch, kSeed, rank);
    TextTaskOptions ro = o;
    ro.rank = rank;
    TextTaskOracle oracle(*m.net, m.flat, classification(), shard(), l, ro);
    std::vector<std::vector<float>> g;
    for (int k = 0; k < 4; ++k) g.push_back(copy(oracle.gradient(m.flat.params())));
    return g;
  };
  const auto a = run(kRank), b = run(kRank);
  for (int k = 0; k < 4; ++k) EXPECT_TRUE(bit_equal(a[k], b[k])) << "draw " << k;

  // Resume at draw 3 on fixed positions: draw 3 of a continuous oracle.
  Model m;
  const std::uint32_t idx[] = {0, 3, 5, 9, 12, 20, 31, 2};
  std::vector<float> continuous3, first;
  {
    BatchLoader l = loader();
    TextTaskOracle oracle(*m.net, m.flat, classification(), shard(), l, o);
    for (int k = 0; k < 4; ++k) {
      const std::vector<float> g = copy(oracle.minibatch_gradient(m.flat.params(), idx));
      if (k == 0) first = g;
      if (k == 3) continuous3 = g;
    }
    EXPECT_EQ(oracle.draws(), 4u);
  }
  BatchLoader l = loader();
  TextTaskOracle resumed(*m.net, m.flat, classification(), shard(), l, o);
  resumed.set_draws(3);
  EXPECT_TRUE(bit_equal(copy(resumed.minibatch_gradient(m.flat.params(), idx)), continuous3));
  EXPECT_EQ(resumed.draws(), 4u);
  // The draw matters (dropout mask and perturbation), and so does the rank.
  EXPECT_FALSE(bit_equal(first, continuous3));
  BatchLoader l0 = loader();
  TextTaskOptions other = o;
  other.rank = 0;
  TextTaskOracle rank0(*m.net, m.flat, classification(), shard(), l0, other);
  rank0.set_draws(3);
  EXPECT_FALSE(bit_equal(copy(rank0.minibatch_gradient(m.flat.params(), idx)), continuous3));
}

TEST(TextTaskOracle, RejectsPositionsOutsideTheShardAndMismatchedData) {
  configure_torch_threads(1);
  Model m;
  BatchLoader l = loader();
  TextTaskOracle oracle(*m.net, m.flat, classification(), shard(), l,
                        options(PerturbationMode::pga));
  const std::uint32_t bad[] = {3, 32};  // the shard has 32 positions
  EXPECT_THROW(oracle.minibatch_gradient(m.flat.params(), bad), InvalidArgument);
  EXPECT_EQ(oracle.draws(), 0u);
  const std::uint32_t last[] = {31};
  EXPECT_NO_THROW(oracle.minibatch_gradient(m.flat.params(), last));

  auto make = [&](const TokenizedDataset& d, std::vector<std::uint32_t> s, TextTaskOptions o) {
    const std::uint32_t rows[] = {0, 1};
    BatchLoader bl(rows, 1, 1, 0);  // valid: the oracle's checks are what is tested
    TextTaskOracle oracle(*m.net, m.flat, d, std::move(s), bl, o);
    EXPECT_EQ(oracle.num_samples(), 2u);
  };
  const TextTaskOptions ok = options(PerturbationMode::pga);
  EXPECT_THROW(make(classification(), {}, ok), InvalidArgument);
  EXPECT_THROW(make(classification(), {0, kExamples}, ok), InvalidArgument);  // row out of range
  EXPECT_THROW(make(regression(), {0, 1}, ok), InvalidArgument);  // targets for a 2-way head
  TokenizedDataset unlabeled = classification();
  unlabeled.labeled = false;
  EXPECT_THROW(make(unlabeled, {0, 1}, ok), InvalidArgument);
  TokenizedDataset three = classification();
  three.label_ids[7] = 2;
  EXPECT_THROW(make(three, {0, 1}, ok), InvalidArgument);
  TextTaskOptions long_rows = ok;
  long_rows.max_len = 17;
  EXPECT_THROW(make(classification(), {0, 1}, long_rows), InvalidArgument);
  TextTaskOptions bad_radius = ok;
  bad_radius.perturbation.radius = 0;
  EXPECT_THROW(make(classification(), {0, 1}, bad_radius), InvalidArgument);
  EXPECT_NO_THROW(make(classification(), {0, 1}, ok));
}

TEST(TextTaskOracle, RegressionWithFloatTargetsWorks) {
  configure_torch_threads(1);
  Model m(1);
  double hand_loss = 0;
  const std::vector<float> hand = hand_built(m, regression(), second_batch(), 1, &hand_loss);
  EXPECT_GT(hand_loss, 0.5);  // targets spread over [-3, 3], predictions near 0
  BatchLoader l = loader();
  TextTaskOracle oracle(*m.net, m.flat, regression(), shard(), l, options(PerturbationMode::none));
  oracle.gradient(m.flat.params());
  oracle.take_loss();
  EXPECT_TRUE(bit_equal(copy(oracle.gradient(m.flat.params())), hand));
  EXPECT_EQ(oracle.take_loss().loss_sum, hand_loss);
  // Perturbed: squared error as the divergence, finite gradients.
  BatchLoader lp = loader();
  TextTaskOracle pga(*m.net, m.flat, regression(), shard(), lp, options(PerturbationMode::pga));
  const std::vector<float> g = copy(pga.gradient(m.flat.params()));
  for (float v : g) ASSERT_TRUE(std::isfinite(v));
  EXPECT_GT(pga.last_divergence(), 0.0);
}

TEST(TextTaskOracle, AForeignPointIsUsedAndTheParametersRestored) {
  configure_torch_threads(1);
  Model m;
  const std::vector<float> own = copy(m.flat.params());
  std::vector<float> x = own;
  Rng rng(8, Purpose::test);
  for (float& v : x) v += 0.05f * static_cast<float>(rng.normal());
  const std::uint32_t idx[] = {1, 4, 6, 30};
  const TextTaskOptions o = options(PerturbationMode::pga);

  BatchLoader l = loader();
  TextTaskOracle oracle(*m.net, m.flat, classification(), shard(), l, o);
  const std::vector<float> at_x = copy(oracle.minibatch_gradient(x, idx));
  EXPECT_TRUE(bit_equal(copy(m.flat.params()), own));

  // The same draw with x loaded as the model's own parameters.
  std::copy(x.begin(), x.end(), m.flat.params().begin());
  BatchLoader l2 = loader();
  TextTaskOracle loaded(*m.net, m.flat, classification(), shard(), l2, o);
  EXPECT_TRUE(bit_equal(copy(loaded.minibatch_gradient(m.flat.params(), idx)), at_x));
  std::copy(own.begin(), own.end(), m.flat.params().begin());
  BatchLoader l3 = loader();
  TextTaskOracle at_own(*m.net, m.flat, classification(), shard(), l3, o);
  EXPECT_FALSE(bit_equal(copy(at_own.minibatch_gradient(m.flat.params(), idx)), at_x));
}

}  // namespace
}  // namespace dcopt::train
