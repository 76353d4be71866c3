// text_loss_sharpness against the full Hessian of a tiny text model (a few hundred parameters),
// built column by column with double backward and diagonalized by eigvalsh; the parameters,
// their .grad and the train()/eval() state are left as they were.
#include "dcopt/train/text_sharpness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/train/embedding_perturbation.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/models/transformer_encoder.hpp"
#include "dcopt/train/text_parameter_init.hpp"
#include "dcopt/train/torch_threads.hpp"

namespace dcopt::train {
namespace {

constexpr int kVocab = 12;
constexpr std::size_t kMaxLen = 8;

// vocab 12, H = E = 4, 1 layer, 1 head, FFN 8, 8 positions, 2 labels, the MLM head too (its
// parameters are outside the classification loss: zero Hessian rows). Dropout 0.1: off in eval.
TransformerConfig tiny() {
  TransformerConfig c = default_transformer_config("bert", kVocab, 2);
  c.hidden = 4;
  c.embedding = 4;
  c.layers = 1;
  c.heads = 1;
  c.ffn = 8;
  c.max_positions = 8;
  return c;
}

// 12 single sentences of 2..6 ordinary ids, label = the parity of their sum.
TokenizedDataset examples() {
  Rng rng(2, Purpose::test);
  TokenizedDataset d;
  d.labeled = true;
  d.vocab_size = kVocab;
  for (int i = 0; i < 12; ++i) {
    std::vector<std::int32_t> a(2 + rng.below(5));
    std::int32_t sum = 0;
    for (auto& t : a) {
      t = kNumSpecialIds + static_cast<std::int32_t>(rng.below(kVocab - kNumSpecialIds));
      sum += t;
    }
    d.a.push_back(a);
    d.label_ids.push_back(sum % 2);
  }
  return d;
}

// All eigenvalues (ascending) of the Hessian of the eval-mode task loss with respect to every
// parameter, row i = d/dx g_i (double backward; allow_unused for the MLM head).
torch::Tensor full_hessian_spectrum(TransformerEncoder& net, const TokenizedDataset& data,
                                    std::span<const std::uint32_t> rows) {
  net.eval();
  TextBatch b = make_text_batch(data, rows, kMaxLen);
  const auto n = static_cast<std::int64_t>(b.rows), s = static_cast<std::int64_t>(b.cols);
  auto t = [&](std::vector<std::int64_t>& v) {
    return torch::from_blob(v.data(), {n, s}, torch::kInt64);
  };
  const torch::Tensor labels = torch::from_blob(b.label_ids.data(), {n}, torch::kInt64);
  const std::vector<torch::Tensor> params = net.parameters();
  const torch::Tensor loss =
      task_loss(net.forward(t(b.input_ids), t(b.segment_ids), t(b.attention_mask)), labels);
  std::vector<torch::Tensor> g = torch::autograd::grad({loss}, params, {}, true, true, true);
  std::vector<torch::Tensor> flat_g;
  for (std::size_t i = 0; i < g.size(); ++i) {
    flat_g.push_back(g[i].defined() ? g[i].reshape({-1}) : torch::zeros({params[i].numel()}));
  }
  const torch::Tensor gv = torch::cat(flat_g);
  const std::int64_t dim = gv.numel();
  torch::Tensor h = torch::zeros({dim, dim}, torch::kFloat64);
  for (std::int64_t i = 0; i < dim; ++i) {
    if (!gv[i].requires_grad()) continue;  // an unused parameter: a zero row
    std::vector<torch::Tensor> col = torch::autograd::grad({gv[i]}, params, {}, true, false, true);
    std::vector<torch::Tensor> parts;
    for (std::size_t j = 0; j < col.size(); ++j) {
      parts.push_back(col[j].defined() ? col[j].reshape({-1}) : torch::zeros({params[j].numel()}));
    }
    h[i] = torch::cat(parts).to(torch::kFloat64);
  }
  net.train();
  return torch::linalg_eigvalsh((h + h.t()) / 2, "L");
}

TEST(TextSharpness, MatchesTheTopEigenvalueOfTheFullHessian) {
  configure_torch_threads(1);
  auto net = std::make_shared<TransformerEncoder>(tiny());
  FlatParameters flat(*net);
  init_text_parameters(*net, flat, 3);
  // BERT's init (std 0.02) leaves the loss nearly flat; larger weights give a spectrum with
  // structure (and a clear top eigenvalue) to find.
  Rng rng(5, Purpose::test);
  for (float& v : flat.params()) v += 0.5f * static_cast<float>(rng.normal());
  for (std::size_t i = 0; i < flat.grads().size(); ++i) flat.grads()[i] = 0.25f * float(i % 7);
  net->train();
  const std::vector<float> params0(flat.params().begin(), flat.params().end());
  const std::vector<float> grads0(flat.grads().begin(), flat.grads().end());
  ASSERT_GT(flat.size(), 200u);
  ASSERT_LT(flat.size(), 600u);

  const TokenizedDataset data = examples();
  const std::uint32_t rows[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  const torch::Tensor spectrum = full_hessian_spectrum(*net, data, rows);
  const torch::Tensor mags = std::get<0>(spectrum.abs().sort(0, /*descending=*/true));
  const double top_abs = mags[0].item<double>(), second_abs = mags[1].item<double>();
  const double top = std::abs(spectrum[0].item<double>()) > std::abs(spectrum[-1].item<double>())
                         ? spectrum[0].item<double>()
                         : spectrum[-1].item<double>();
  ASSERT_GT(top_abs, 1e-2);
  // The power iteration's Rayleigh quotient error shrinks like (|l2| / |l1|)^2 per iteration:
  // with a gap (the ratio is 0.19 here) the stopping rule below is met in a few iterations with
  // an error of its order, and no +-l1 pair can make it oscillate.
  const double ratio = second_abs / top_abs;
  ASSERT_LT(ratio, 0.5) << "ratio " << ratio;

  PowerIterationOptions o;
  o.max_iterations = 500;
  o.tolerance = 1e-7;
  torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(11);
  const PowerIterationResult r = text_loss_sharpness(*net, data, rows, kMaxLen, o, gen);
  // Both sides are float32 Hessian-vector products (unit roundoff 6e-8) through LayerNorm,
  // softmax and GELU, whose double backward amplifies rounding; the stopping rule adds ~1e-7.
  // 1e-5 relative is ~170 roundoffs (measured: 2e-8).
  EXPECT_NEAR(r.eigenvalue, top, 1e-5 * top_abs) << "second |l| " << second_abs;
  EXPECT_LT(r.history.size(), 100u);
  EXPECT_TRUE(r.converged);
  EXPECT_TRUE(net->is_training());  // eval() only for the call
  EXPECT_EQ(std::memcmp(params0.data(), flat.params().data(), params0.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(grads0.data(), flat.grads().data(), grads0.size() * sizeof(float)), 0);

  // A caller in eval() stays there; the computation is deterministic (the same start vector).
  net->eval();
  torch::Generator gen2 = at::make_generator<at::CPUGeneratorImpl>(11);
  const PowerIterationResult again = text_loss_sharpness(*net, data, rows, kMaxLen, o, gen2);
  EXPECT_EQ(again.eigenvalue, r.eigenvalue);  // the same computation
  EXPECT_FALSE(net->is_training());           // restored to eval

  TokenizedDataset unlabeled = data;
  unlabeled.labeled = false;
  unlabeled.label_ids.clear();
  EXPECT_THROW(text_loss_sharpness(*net, unlabeled, rows, kMaxLen, o, gen), InvalidArgument);
}

}  // namespace
}  // namespace dcopt::train
