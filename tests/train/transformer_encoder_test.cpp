// TransformerEncoder: padding invariance, pre-LN vs post-LN (both train), determinism by seed
// (parameters, outputs, dropout; across instances and threads), dropout off in eval(), ALBERT's
// shared layer (one copy, its gradient the sum over its uses), the tied MLM decoder, BERT init.
#include "dcopt/train/models/transformer_encoder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/text_parameter_init.hpp"
#include "dcopt/train/torch_threads.hpp"

namespace dcopt::train {
namespace {

using ::testing::HasSubstr;

constexpr int kVocab = 12;

// H = 16, E = 16 (8 for albert), 2 heads, FFN 32, 16 positions, 2 labels.
TransformerConfig tiny(bool albert = false, int labels = 2) {
  TransformerConfig c = default_transformer_config(albert ? "albert" : "bert", kVocab, labels);
  c.hidden = 16;
  c.embedding = albert ? 8 : 16;
  c.layers = albert ? 3 : 2;
  c.heads = 2;
  c.ffn = 32;
  c.max_positions = 16;
  return c;
}

// A network with its flat buffers, initialized from `seed`.
struct Model {
  explicit Model(const TransformerConfig& c, std::uint64_t seed = 1)
      : net(std::make_shared<TransformerEncoder>(c)), flat(*net) {
    init_text_parameters(*net, flat, seed);
  }
  std::shared_ptr<TransformerEncoder> net;
  FlatParameters flat;
};

// ids (N, S) in [1, kVocab) (0 is the padding id), segments 0 then 1 halfway.
torch::Tensor random_ids(std::int64_t n, std::int64_t s, std::uint64_t seed) {
  Rng rng(seed, Purpose::test);
  torch::Tensor ids = torch::empty({n, s}, torch::kInt64);
  auto a = ids.accessor<std::int64_t, 2>();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < s; ++j)
      a[i][j] = 1 + static_cast<std::int64_t>(rng.below(kVocab - 1));
  return ids;
}

torch::Tensor segments_of(std::int64_t n, std::int64_t s) {
  torch::Tensor seg = torch::zeros({n, s}, torch::kInt64);
  seg.narrow(1, s / 2, s - s / 2).fill_(1);
  return seg;
}

bool same(const torch::Tensor& a, const torch::Tensor& b) { return torch::equal(a, b); }

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(TransformerEncoder, PaddingLeavesTheClsOutputUnchanged) {
  for (bool pre_ln : {false, true}) {
    TransformerConfig c = tiny();
    c.pre_ln = pre_ln;
    Model m(c, 3);
    m.net->eval();
    const torch::Tensor ids = random_ids(3, 6, 1), seg = segments_of(3, 6);
    const torch::Tensor out = m.net->encode(m.net->token_embeddings(ids), seg, torch::ones({3, 6}));
    // Four pad tokens (id 0, segment 1) masked out.
    const torch::Tensor pad_ids = torch::cat({ids, torch::zeros({3, 4}, torch::kInt64)}, 1);
    const torch::Tensor pad_seg = torch::cat({seg, torch::ones({3, 4}, torch::kInt64)}, 1);
    const torch::Tensor mask = torch::cat({torch::ones({3, 6}), torch::zeros({3, 4})}, 1);
    const torch::Tensor padded = m.net->encode(m.net->token_embeddings(pad_ids), pad_seg, mask);
    // The same arithmetic but for summation lengths: float rounding only (outputs are O(1)).
    EXPECT_LT(max_abs_diff(out.select(1, 0), padded.select(1, 0)), 1e-5) << pre_ln;
    EXPECT_LT(max_abs_diff(out, padded.narrow(1, 0, 6)), 1e-5) << pre_ln;
    EXPECT_LT(max_abs_diff(m.net->classify(out), m.net->classify(padded)), 1e-5) << pre_ln;
    // The mask matters: the same pads unmasked change the [CLS] output.
    const torch::Tensor unmasked =
        m.net->encode(m.net->token_embeddings(pad_ids), pad_seg, torch::ones({3, 10}));
    EXPECT_GT(max_abs_diff(out.select(1, 0), unmasked.select(1, 0)), 1e-3) << pre_ln;
  }
}

// Toy task: is token 5 in the sequence? 64 sequences of 8 tokens, about half with a 5.
struct ToyTask {
  torch::Tensor ids, labels;
  ToyTask() {
    ids = random_ids(64, 8, 11);
    auto a = ids.accessor<std::int64_t, 2>();
    for (std::int64_t i = 0; i < 64; ++i)
      for (std::int64_t j = 0; j < 8; ++j)
        if (a[i][j] == 5) a[i][j] = 6;
    Rng rng(12, Purpose::test);
    labels = torch::zeros({64}, torch::kInt64);
    for (std::int64_t i = 0; i < 64; ++i) {
      if (rng.bernoulli(0.5)) {
        a[i][1 + static_cast<std::int64_t>(rng.below(7))] = 5;
        labels[i] = 1;
      }
    }
  }
};

double toy_loss(TransformerEncoder& net, const ToyTask& t) {
  torch::NoGradGuard no_grad;
  net.eval();
  const double loss =
      torch::cross_entropy_loss(net.forward(t.ids, torch::Tensor(), torch::Tensor()), t.labels)
          .item<double>();
  net.train();
  return loss;
}

TEST(TransformerEncoder, PreLnAndPostLnDifferAndBothLearnAToyTask) {
  const ToyTask task;
  std::vector<double> final_losses;
  torch::Tensor logits[2];
  for (bool pre_ln : {false, true}) {
    TransformerConfig c = tiny();
    c.pre_ln = pre_ln;
    Model m(c, 5);
    {
      torch::NoGradGuard no_grad;
      m.net->eval();
      logits[pre_ln] = m.net->forward(task.ids, torch::Tensor(), torch::Tensor());
    }
    m.net->train();
    const double before = toy_loss(*m.net, task);
    torch::optim::Adam adam(m.net->parameters(), torch::optim::AdamOptions(3e-3));
    for (int step = 0; step < 30; ++step) {
      m.net->set_dropout_seed(static_cast<std::uint64_t>(step));
      m.flat.zero_grads();
      torch::cross_entropy_loss(m.net->forward(task.ids, torch::Tensor(), torch::Tensor()),
                                task.labels)
          .backward();
      adam.step();
    }
    const double after = toy_loss(*m.net, task);
    // Chance level is ln 2 = 0.69; 30 full-batch steps take the loss well below it.
    EXPECT_LT(after, 0.8 * before) << "pre_ln " << pre_ln << ": " << before << " -> " << after;
    std::printf("pre_ln %d: toy loss %.4f -> %.4f\n", int(pre_ln), before, after);
    final_losses.push_back(after);
  }
  // Same init seed, same shapes but for final_norm: the two orderings compute different things.
  EXPECT_GT(max_abs_diff(logits[0], logits[1]), 1e-4);
  EXPECT_NE(final_losses[0], final_losses[1]);
}

struct RunResult {
  std::vector<float> params, grads;
  torch::Tensor out;
};

// Train mode (dropout on): one forward and backward of a classification loss.
RunResult run(const TransformerConfig& c, std::uint64_t seed, std::uint64_t dropout_seed) {
  configure_torch_threads(1);  // per thread, as the trainer's workers
  Model m(c, seed);
  m.net->train();
  m.net->set_dropout_seed(dropout_seed);
  const torch::Tensor ids = random_ids(4, 8, 2);
  RunResult r;
  r.out = m.net->forward(ids, segments_of(4, 8), torch::ones({4, 8}));
  torch::cross_entropy_loss(r.out, torch::tensor({0, 1, 1, 0}, torch::kInt64)).backward();
  r.params.assign(m.flat.params().begin(), m.flat.params().end());
  r.grads.assign(m.flat.grads().begin(), m.flat.grads().end());
  r.out = r.out.detach().clone();
  return r;
}

TEST(TransformerEncoder, SameSeedsSameParametersOutputsAndGradientsAcrossInstancesAndThreads) {
  for (bool albert : {false, true}) {
    const TransformerConfig c = tiny(albert);
    const RunResult a = run(c, 7, 3), b = run(c, 7, 3);
    EXPECT_EQ(a.params, b.params);
    EXPECT_TRUE(same(a.out, b.out));
    EXPECT_EQ(a.grads, b.grads);
    RunResult t[2];
    std::thread t0([&] { t[0] = run(c, 7, 3); });
    std::thread t1([&] { t[1] = run(c, 7, 3); });
    t0.join();
    t1.join();
    for (const RunResult& r : t) {
      EXPECT_EQ(r.params, a.params);
      EXPECT_TRUE(same(r.out, a.out));
      EXPECT_EQ(r.grads, a.grads);
    }
    const RunResult other = run(c, 8, 3);
    EXPECT_NE(other.params, a.params);
  }
}

TEST(TransformerEncoder, DropoutIsDeterministicBySeedAndOffInEval) {
  Model m(tiny(), 4);
  const torch::Tensor ids = random_ids(4, 8, 3);
  const auto out = [&](std::uint64_t seed) {
    torch::NoGradGuard no_grad;
    m.net->set_dropout_seed(seed);
    return m.net->forward(ids, torch::Tensor(), torch::Tensor());
  };
  m.net->train();
  const torch::Tensor a = out(1), b = out(1), c = out(2);
  EXPECT_TRUE(same(a, b));
  EXPECT_GT(max_abs_diff(a, c), 1e-4);
  m.net->eval();
  const torch::Tensor e1 = out(1), e2 = out(2);
  EXPECT_TRUE(same(e1, e2));
  EXPECT_GT(max_abs_diff(a, e1), 1e-4);
  // eval() equals training without dropout (the same weights, both rates 0).
  TransformerConfig no_dropout = tiny();
  no_dropout.hidden_dropout = 0.0;
  no_dropout.attention_dropout = 0.0;
  Model z(no_dropout, 4);
  z.net->train();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(same(z.net->forward(ids, torch::Tensor(), torch::Tensor()), e1));
}

TEST(TransformerEncoder, DropoutRateAndScaleAreAsConfigured) {
  configure_torch_threads(1);
  DropoutGenerator gen(5);
  const torch::Tensor x = torch::ones({100000});
  const torch::Tensor y = gen.apply(x, 0.25, true);
  const double dropped = (y == 0).sum().item<double>() / 100000.0;
  EXPECT_NEAR(dropped, 0.25, 0.005);  // 3.6 standard deviations of the binomial proportion
  EXPECT_TRUE(same(y.masked_select(y != 0),
                   torch::full({(y != 0).sum().item<std::int64_t>()}, 1.0f / 0.75f)));
  EXPECT_TRUE(same(gen.apply(x, 0.25, false), x));
  // The masks do not depend on the intra-op thread count (100,000 entries exceed torch's
  // parallel grain size of 32,768).
  gen.set_seed(6);
  const torch::Tensor one_thread = gen.apply(x, 0.5, true);
  at::set_num_threads(2);
  gen.set_seed(6);
  const torch::Tensor two_threads = gen.apply(x, 0.5, true);
  at::set_num_threads(1);
  EXPECT_TRUE(same(one_thread, two_threads));
}

TEST(TransformerEncoder, SharedLayerGradientIsTheSumOverItsUses) {
  TransformerConfig c = tiny(/*albert=*/true, /*labels=*/2);
  c.mlm_head = true;  // both heads, so every tensor gets a gradient
  c.hidden_dropout = c.attention_dropout = 0.0;
  Model shared(c, 9);
  TransformerConfig u = c;
  u.share_layers = false;
  Model unshared(u, 10);
  const ParamLayout& sl = shared.flat.layout();
  const ParamLayout& ul = unshared.flat.layout();
  // The shared model holds one layer's copy; the unshared one `layers` of them.
  std::size_t layer_size = 0;
  for (std::size_t i = 0; i < sl.num_tensors(); ++i) {
    if (sl[i].name.rfind("shared_layer.", 0) == 0) layer_size += sl[i].numel();
  }
  EXPECT_EQ(layer_size, 2224u);  // counted by hand in transformer_config_test
  EXPECT_EQ(ul.size() - sl.size(), static_cast<std::size_t>(c.layers - 1) * layer_size);
  // Copy the weights: layers.<i>.X <- shared_layer.X, everything else by name.
  const auto shared_name = [](const std::string& name) {
    if (name.rfind("layers.", 0) != 0) return name;
    return "shared_layer." + name.substr(name.find('.', 7) + 1);
  };
  for (std::size_t i = 0; i < ul.num_tensors(); ++i) {
    const auto src = sl.view(shared.flat.params(), shared_name(ul[i].name));
    const auto dst = ul.view(unshared.flat.params(), i);
    ASSERT_EQ(src.size(), dst.size());
    std::copy(src.begin(), src.end(), dst.begin());
  }
  const torch::Tensor ids = random_ids(3, 7, 4), seg = segments_of(3, 7);
  const torch::Tensor mask = torch::tensor({1, 1, 1, 1, 1, 0, 0}).repeat({3, 1});
  const auto loss = [&](TransformerEncoder& net) {
    const torch::Tensor h = net.encode(net.token_embeddings(ids), seg, mask);
    return torch::cross_entropy_loss(net.classify(h), torch::tensor({1, 0, 1}, torch::kInt64)) +
           torch::cross_entropy_loss(net.mlm_logits(h).view({-1, kVocab}), ids.view({-1}));
  };
  const torch::Tensor ls = loss(*shared.net), lu = loss(*unshared.net);
  EXPECT_LT(std::abs(ls.item<double>() - lu.item<double>()), 1e-6);
  ls.backward();
  lu.backward();
  std::size_t checked = 0;
  for (std::size_t i = 0; i < sl.num_tensors(); ++i) {
    const std::string& name = sl[i].name;
    const auto g = sl.view(shared.flat.grads(), i);
    std::vector<double> expected(g.size(), 0.0);
    if (name.rfind("shared_layer.", 0) == 0) {
      const std::string tail = name.substr(13);
      for (int l = 0; l < c.layers; ++l) {
        std::string per_layer = "layers.";
        per_layer += std::to_string(l);
        per_layer += ".";
        per_layer += tail;
        const auto gl = ul.view(unshared.flat.grads(), per_layer);
        for (std::size_t k = 0; k < g.size(); ++k) expected[k] += gl[k];
      }
      ++checked;
    } else {
      const auto gu = ul.view(unshared.flat.grads(), name);
      std::copy(gu.begin(), gu.end(), expected.begin());
    }
    double norm = 0;
    for (double e : expected) norm += e * e;
    EXPECT_GT(norm, 0.0) << name;
    for (std::size_t k = 0; k < g.size(); ++k) {
      // fp32 gradients of O(1e-2..1); the two graphs sum in different orders.
      ASSERT_NEAR(g[k], expected[k], 1e-5) << name << "[" << k << "]";
    }
  }
  EXPECT_EQ(checked, 16u);
}

TEST(TransformerEncoder, MlmDecoderIsTiedToTheWordEmbeddings) {
  TransformerConfig c = tiny(/*albert=*/true, /*labels=*/0);
  Model m(c, 2);
  m.net->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor hidden = torch::randn({5, c.hidden});
  const torch::Tensor before = m.net->mlm_logits(hidden);
  EXPECT_EQ(before.sizes(), (std::vector<std::int64_t>{5, kVocab}));
  // The decoder matrix is the embedding matrix's storage in the flat buffer.
  const auto word = m.flat.layout().at("word_embeddings.weight");
  EXPECT_EQ(m.net->word_embedding_matrix().data_ptr<float>(), m.flat.params().data() + word.offset);
  // Add 0.5 to entry 0 of row 3 (not to the whole row: the LayerNorm output before the decoder
  // sums to 0 over E, so a constant row offset would not show): only logit column 3 changes.
  m.flat.params()[word.offset + 3 * c.embedding] += 0.5f;
  const torch::Tensor after = m.net->mlm_logits(hidden);
  for (std::int64_t v = 0; v < kVocab; ++v) {
    if (v == 3) {
      EXPECT_GT(max_abs_diff(before.select(1, v), after.select(1, v)), 1e-3);
    } else {
      EXPECT_TRUE(same(before.select(1, v), after.select(1, v))) << v;
    }
  }
}

TEST(TransformerEncoder, BertInitDrawsTruncatedNormalAndStartsNormsAtIdentity) {
  TransformerConfig c = default_transformer_config("bert", 1000, 2);
  Model a(c, 7), b(c, 7), d(c, 8);
  EXPECT_TRUE(std::equal(a.flat.params().begin(), a.flat.params().end(), b.flat.params().begin()));
  EXPECT_FALSE(std::equal(a.flat.params().begin(), a.flat.params().end(), d.flat.params().begin()));
  const ParamLayout& l = a.flat.layout();
  for (float v : l.view(a.flat.params(), "layers.0.attention_norm.weight")) ASSERT_EQ(v, 1.0f);
  for (float v : l.view(a.flat.params(), "layers.0.attention_norm.bias")) ASSERT_EQ(v, 0.0f);
  for (float v : l.view(a.flat.params(), "layers.1.ffn_in.bias")) ASSERT_EQ(v, 0.0f);
  const auto w = l.view(a.flat.params(), "word_embeddings.weight");  // 128,000 draws
  double sum = 0, sum_sq = 0, max_abs = 0;
  for (float v : w) {
    sum += v;
    sum_sq += double(v) * v;
    max_abs = std::max(max_abs, double(std::abs(v)));
  }
  const double n = static_cast<double>(w.size());
  EXPECT_LE(max_abs, 0.04);
  EXPECT_GT(max_abs, 0.039);
  // N(0, 1) truncated to [-2, 2] has standard deviation 0.8796: 0.02 * 0.8796 = 0.01759.
  EXPECT_NEAR(std::sqrt(sum_sq / n), 0.01759, 0.0002);
  EXPECT_NEAR(sum / n, 0.0, 0.0002);
}

TEST(TransformerEncoder, RegressionHeadGivesOneFloatPerRowAndFits) {
  TransformerConfig c = tiny(/*albert=*/false, /*labels=*/1);
  c.hidden_dropout = c.attention_dropout = 0.0;
  Model m(c, 6);
  const torch::Tensor ids = random_ids(16, 6, 5);
  // Target: the fraction of tokens above 6 in the sequence.
  const torch::Tensor target = (ids > 6).to(torch::kFloat32).mean(1, /*keepdim=*/true);
  const auto mse = [&] { return torch::mse_loss(m.net->forward(ids, {}, {}), target); };
  EXPECT_EQ(m.net->forward(ids, {}, {}).sizes(), (std::vector<std::int64_t>{16, 1}));
  const double before = mse().item<double>();
  torch::optim::Adam adam(m.net->parameters(), torch::optim::AdamOptions(3e-3));
  for (int step = 0; step < 30; ++step) {
    m.flat.zero_grads();
    mse().backward();
    adam.step();
  }
  EXPECT_LT(mse().item<double>(), 0.5 * before);
}

// The sharpness command runs power iteration on Hessian-vector products (double backward):
// every operation of the encoder must be twice differentiable. H v by double backward against
// the central difference of gradients (g(w + eps v) - g(w - eps v)) / (2 eps).
TEST(TransformerEncoder, HessianVectorProductsMatchFiniteDifferences) {
  TransformerConfig c = tiny(/*albert=*/true, /*labels=*/2);
  Model m(c, 8);
  m.net->eval();
  const torch::Tensor ids = random_ids(4, 6, 6), seg = segments_of(4, 6);
  const torch::Tensor mask = torch::tensor({1, 1, 1, 1, 0, 0}).repeat({4, 1});
  const torch::Tensor y = torch::tensor({0, 1, 1, 0}, torch::kInt64);
  std::vector<torch::Tensor> params = m.net->parameters();
  const auto gradient = [&](bool create_graph) {
    const torch::Tensor loss = torch::cross_entropy_loss(m.net->forward(ids, seg, mask), y);
    return torch::autograd::grad({loss}, params, {}, /*retain_graph=*/create_graph, create_graph);
  };
  Rng rng(3, Purpose::test);
  std::vector<float> v(m.flat.size());
  double v_norm_sq = 0;
  for (float& x : v) {
    x = static_cast<float>(rng.normal());
    v_norm_sq += double(x) * x;
  }
  for (float& x : v) x = static_cast<float>(x / std::sqrt(v_norm_sq));  // a unit direction
  const torch::Tensor vt = torch::from_blob(v.data(), {static_cast<std::int64_t>(v.size())});
  // H v = d/dw (g . v)
  const auto g = gradient(true);
  torch::Tensor gv = torch::zeros({});
  std::size_t off = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto n = params[i].numel();
    gv =
        gv + (g[i] * vt.narrow(0, static_cast<std::int64_t>(off), n).view(params[i].sizes())).sum();
    off += static_cast<std::size_t>(n);
  }
  const auto hv_parts = torch::autograd::grad({gv}, params);
  std::vector<torch::Tensor> flat_hv;
  for (const auto& t : hv_parts) flat_hv.push_back(t.reshape({-1}));
  const torch::Tensor hv = torch::cat(flat_hv).to(torch::kFloat64);

  const float eps = 1e-2f;
  std::vector<float> w0(m.flat.params().begin(), m.flat.params().end());
  const auto grad_at = [&](float sign) {
    for (std::size_t k = 0; k < w0.size(); ++k) m.flat.params()[k] = w0[k] + sign * eps * v[k];
    std::vector<torch::Tensor> parts;
    for (const auto& t : gradient(false)) parts.push_back(t.reshape({-1}));
    return torch::cat(parts).to(torch::kFloat64);
  };
  const torch::Tensor fd = (grad_at(1) - grad_at(-1)) / (2.0 * eps);
  const double rel = (hv - fd).norm().item<double>() / hv.norm().item<double>();
  EXPECT_GT(hv.norm().item<double>(), 1e-3);
  // Central differences: O(eps^2) truncation plus fp32 gradient noise / eps.
  EXPECT_LT(rel, 1e-3) << "|Hv| " << hv.norm().item<double>();
}

TEST(TransformerEncoder, BadInputsAreClearErrors) {
  Model m(tiny(), 1);
  const auto message = [](const auto& f) {
    try {
      f();
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message([&] {
                m.net->token_embeddings(torch::full({2, 3}, kVocab, torch::kInt64));
              }),
              HasSubstr("out of range"));
  EXPECT_THAT(message([&] { m.net->token_embeddings(torch::ones({2, 3})); }), HasSubstr("int64"));
  EXPECT_THAT(message([&] { m.net->forward(random_ids(1, 17, 1), {}, {}); }),
              HasSubstr("max_positions = 16"));
  EXPECT_THAT(message([&] {
                m.net->forward(random_ids(1, 4, 1), torch::full({1, 4}, 2, torch::kInt64), {});
              }),
              HasSubstr("segment ids out of range"));
  EXPECT_THAT(message([&] {
                m.net->forward(random_ids(1, 4, 1), {}, torch::ones({1, 5}));
              }),
              HasSubstr("attention mask"));
  EXPECT_THAT(message([&] { m.net->mlm_logits(torch::zeros({2, 16})); }), HasSubstr("no MLM head"));
  Model mlm(tiny(false, 0), 1);
  EXPECT_THAT(message([&] { mlm.net->classify(torch::zeros({2, 3, 16})); }), HasSubstr("no head"));
}

}  // namespace
}  // namespace dcopt::train
