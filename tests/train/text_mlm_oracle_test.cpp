// TextMlmOracle: its gradient equals a plain-torch reference on the same masked batch (masks
// rebuilt from the documented stream, the decoder over every position with ignore_index instead
// of the oracle's gather of the masked rows, a module with ordinary parameters instead of flat
// buffers); the MLM loss falls over 30 Adam steps on 200 SST-2 sentences with a tiny model; a
// two-worker data-parallel run on threads gives the same weights twice, and the same on both
// replicas. Adversarial (FreeLB) MLM: K = 1 from delta_0 = 0 is plain MLM bit for bit, the saddle
// objective rises over the ascent passes, the weight gradient is the mean over the passes.
#include "dcopt/train/text_mlm_oracle.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/data/glue_reader.hpp"
#include "dcopt/data/glue_task.hpp"
#include "dcopt/data/text_corpus.hpp"
#include "dcopt/optim/adam.hpp"
#include "dcopt/train/models/transformer_encoder.hpp"
#include "dcopt/train/text_parameter_init.hpp"
#include "dcopt/train/torch_threads.hpp"

namespace dcopt::train {
namespace {

// 200 SST-2 training sentences with a word-level vocabulary built here: the 395 most frequent
// words (ties by first occurrence) after the 5 special ids, any other word [UNK]. Not the
// SentencePiece tokenizer: this program links torch, and libsentencepiece.so.0 carries its own
// protobuf-lite 3.14 whose exported symbols collide with torch's libprotobuf 3.21 (the process
// crashes at load, or at SentencePiece's first use if libprotobuf is loaded first). The oracle
// sees only token ids, so any tokenizer tests it.
struct Corpus {
  TokenizedDataset data;
  Corpus() {
    GlueReadOptions o;
    o.max_rows = 200;
    std::string path = DCOPT_SHARED_DATA;
    path += "/glue/SST-2/train.tsv";
    const TextCorpus c = corpus_from_glue(read_glue_tsv(path, glue_task("sst2"), o));
    std::vector<std::vector<std::string>> words;
    std::map<std::string, std::pair<std::size_t, std::size_t>> count;  // word -> (n, first)
    for (const std::string& s : c.sentences) {
      words.emplace_back();
      std::size_t begin = 0;
      while (begin < s.size()) {
        std::size_t end = s.find(' ', begin);
        if (end == std::string::npos) end = s.size();
        if (end > begin) {
          words.back().push_back(s.substr(begin, end - begin));
          auto [it, fresh] = count.try_emplace(words.back().back(), 0, count.size());
          it->second.first += 1;
        }
        begin = end + 1;
      }
    }
    std::vector<std::pair<std::string, std::pair<std::size_t, std::size_t>>> ranked(count.begin(),
                                                                                    count.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) {
      return x.second.first != y.second.first ? x.second.first > y.second.first
                                              : x.second.second < y.second.second;
    });
    std::map<std::string, std::int32_t> id;
    for (std::size_t k = 0; k < ranked.size() && k + kNumSpecialIds < 400; ++k) {
      id[ranked[k].first] = static_cast<std::int32_t>(k) + kNumSpecialIds;
    }
    data.vocab_size = id.size() + kNumSpecialIds;
    for (const auto& sentence : words) {
      std::vector<std::int32_t> ids;
      for (const std::string& w : sentence) {
        auto it = id.find(w);
        ids.push_back(it == id.end() ? kUnkId : it->second);
      }
      data.a.push_back(ids);
    }
  }
};

const TokenizedDataset& corpus() {
  static const Corpus c;
  return c.data;
}

// H = 32, 2 layers, 2 heads, FFN 64, 32 positions, MLM head only; dropout on.
TransformerConfig tiny() {
  TransformerConfig c =
      default_transformer_config("bert", static_cast<int>(corpus().vocab_size), 0);
  c.hidden = 32;
  c.embedding = 32;
  c.layers = 2;
  c.heads = 2;
  c.ffn = 64;
  c.max_positions = 32;
  return c;
}

std::vector<std::uint32_t> range(std::uint32_t begin, std::uint32_t end) {
  std::vector<std::uint32_t> v;
  for (std::uint32_t i = begin; i < end; ++i) v.push_back(i);
  return v;
}

struct Model {
  std::shared_ptr<TransformerEncoder> net = std::make_shared<TransformerEncoder>(tiny());
  FlatParameters flat{*net};
  explicit Model(std::uint64_t seed) {
    init_text_parameters(*net, flat, seed);
    net->train();
  }
};

TEST(TextMlmOracle, GradientEqualsAPlainTorchReferenceOnTheSameMaskedBatch) {
  configure_torch_threads(1);
  Model m(4);
  const std::vector<std::uint32_t> shard = range(0, 40);
  BatchLoader loader(shard, 8, 4, 1);
  TextMlmOptions opt;
  opt.max_len = 24;
  opt.seed = 4;
  opt.rank = 1;
  TextMlmOracle oracle(*m.net, m.flat, corpus(), shard, loader, opt);
  // Draw 0 is the first loader batch, draw 1 the second: take both so the round matters.
  oracle.gradient(m.flat.params());
  BatchLoader replay(shard, 8, 4, 1);
  replay.next_batch();
  const std::span<const std::uint32_t> second = replay.next_batch();
  const std::vector<std::uint32_t> rows(second.begin(), second.end());
  const std::span<const float> grad = oracle.gradient(m.flat.params());
  const std::vector<float> g(grad.begin(), grad.end());
  EXPECT_EQ(oracle.draws(), 2u);

  // The batch from the documented stream: round = draw 1, then one u64 for dropout.
  TextBatch b = make_text_batch(corpus(), rows, 24);
  Rng rng(4, Purpose::masking, 1, 1);
  const MlmMasking mk = apply_mlm_masking(b, corpus().vocab_size, rng);
  const std::uint64_t dropout_seed = rng.next_u64();
  ASSERT_GT(mk.selected, 0u);

  // A second encoder with its own (not flat) parameters holding the same values.
  TransformerEncoder ref(tiny());
  ref.train();
  {
    torch::NoGradGuard ng;
    auto mine = ref.named_parameters(true);
    ASSERT_EQ(mine.size(), m.flat.layout().num_tensors());
    for (std::size_t i = 0; i < mine.size(); ++i) {
      const ParamTensor& t = m.flat.layout()[i];
      ASSERT_EQ(mine[i].key(), t.name);
      mine[i].value().copy_(
          torch::from_blob(m.flat.params().data() + t.offset, mine[i].value().sizes()));
    }
  }
  ref.set_dropout_seed(dropout_seed);
  const auto n = static_cast<std::int64_t>(b.rows), s = static_cast<std::int64_t>(b.cols);
  auto t = [&](std::vector<std::int64_t>& v) {
    return torch::from_blob(v.data(), {n, s}, torch::kInt64);
  };
  std::vector<std::int64_t> labels = mk.labels;
  const torch::Tensor logits = ref.mlm_logits(
      ref.encode(ref.token_embeddings(t(b.input_ids)), t(b.segment_ids), t(b.attention_mask)));
  torch::nn::functional::cross_entropy(
      logits.reshape({n * s, -1}), t(labels).reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kMlmIgnore))
      .backward();
  // Same ops up to summation order (the decoder over N*S rows vs the M gathered ones): float
  // rounding of sums of a few hundred terms of gradients of magnitude <= ~1.
  double max_abs = 0;
  std::size_t off = 0;
  for (const auto& p : ref.named_parameters(true)) {
    torch::Tensor gr = p.value().grad().contiguous();
    const float* d = gr.data_ptr<float>();
    for (std::int64_t j = 0; j < gr.numel(); ++j) {
      max_abs = std::max(max_abs, double(std::abs(d[j])));
      ASSERT_NEAR(g[off + j], d[j], 2e-5) << p.key() << "[" << j << "]";
    }
    off += static_cast<std::size_t>(gr.numel());
  }
  EXPECT_EQ(off, g.size());
  EXPECT_GT(max_abs, 1e-3);  // not a comparison of zeros
}

TEST(TextMlmOracle, RejectsShardPositionsOutsideTheShard) {
  configure_torch_threads(1);
  Model m(1);
  const std::vector<std::uint32_t> shard = range(0, 10);
  BatchLoader loader(shard, 5, 1, 0);
  TextMlmOracle oracle(*m.net, m.flat, corpus(), shard, loader, TextMlmOptions{24, {}, 1, 0, {}});
  const std::uint32_t bad[] = {3, 10};
  EXPECT_THROW(oracle.minibatch_gradient(m.flat.params(), bad), InvalidArgument);
}

// One worker of a data-parallel Adam run: mean gradient over the workers by allreduce.
struct RunResult {
  std::vector<double> losses;  // per step, the mean over workers of the minibatch losses
  std::vector<float> params;
};

RunResult data_parallel(Communicator& comm, std::size_t steps) {
  Model m(7);
  const auto p = static_cast<std::uint32_t>(comm.size());
  const auto r = static_cast<std::uint32_t>(comm.rank());
  const std::vector<std::uint32_t> shard = range(r * 200 / p, (r + 1) * 200 / p);
  BatchLoader loader(shard, 16, 7, r);
  TextMlmOracle oracle(*m.net, m.flat, corpus(), shard, loader,
                       TextMlmOptions{32, {}, 7, static_cast<std::size_t>(r), {}});
  Adam adam(m.flat.layout(), AdamOptions{});
  std::vector<float> g(m.flat.size());
  RunResult out;
  for (std::size_t k = 0; k < steps; ++k) {
    const std::span<const float> gi = oracle.gradient(m.flat.params());
    std::copy(gi.begin(), gi.end(), g.begin());
    comm.allreduce_sum(std::span<float>(g));
    for (float& v : g) v /= static_cast<float>(p);
    double loss[1] = {oracle.take_loss().loss_sum};
    comm.allreduce_sum(std::span<double>(loss, 1));
    out.losses.push_back(loss[0] / p);
    adam.step(m.flat.params(), g, 3e-3);
  }
  out.params.assign(m.flat.params().begin(), m.flat.params().end());
  return out;
}

std::vector<RunResult> run_two_workers(std::size_t steps) {
  configure_torch_threads(1);
  std::vector<RunResult> out(2);
  run_threads(2, [&](Communicator& comm) {
    out[static_cast<std::size_t>(comm.rank())] = data_parallel(comm, steps);
  });
  return out;
}

double mean(const std::vector<double>& v, std::size_t begin, std::size_t end) {
  double s = 0;
  for (std::size_t i = begin; i < end; ++i) s += v[i];
  return s / static_cast<double>(end - begin);
}

TEST(TextMlmOracle, LossFallsOverThirtyStepsOnTwoHundredSentences) {
  ASSERT_GT(corpus().vocab_size, 300u);  // built here, not inside the workers' fibers
  const std::vector<RunResult> r = run_two_workers(30);
  const std::vector<double>& l = r[0].losses;
  // Starts near ln(V) (uniform predictions from BERT's small init); the model learns at least
  // the token frequencies within 30 steps. Means of 5 steps: one minibatch's loss is noisy.
  const double first = mean(l, 0, 5), last = mean(l, 25, 30);
  EXPECT_NEAR(first, std::log(double(corpus().vocab_size)), 0.5);
  EXPECT_LT(last, first - 0.5) << "first " << first << " last " << last;
}

TEST(TextMlmOracle, ATwoWorkerRunOnThreadsIsTheSameTwiceAndOnBothReplicas) {
  ASSERT_GT(corpus().vocab_size, 300u);
  const std::vector<RunResult> a = run_two_workers(5);
  const std::vector<RunResult> b = run_two_workers(5);
  EXPECT_EQ(a[0].params, b[0].params);
  EXPECT_EQ(a[0].losses, b[0].losses);
  EXPECT_EQ(a[0].params, a[1].params);
}

// Adversarial pre-training (issue 10): FreeLB on the MLM loss.

FreeLbOptions freelb(int steps, double step_size, double init_magnitude) {
  FreeLbOptions f;
  f.steps = steps;
  f.step_size = step_size;
  f.init_magnitude = init_magnitude;
  return f;
}

// The oracle's gradient of draws 0 and 1 on shard 0..39, batch 8, with `adversarial`.
struct Gradients {
  std::vector<float> g0, g1;
  double loss = 0;
};
Gradients oracle_gradients(std::optional<FreeLbOptions> adversarial) {
  Model m(6);
  const std::vector<std::uint32_t> shard = range(0, 40);
  BatchLoader loader(shard, 8, 6, 0);
  TextMlmOptions opt;
  opt.max_len = 24;
  opt.seed = 6;
  opt.adversarial = adversarial;
  TextMlmOracle oracle(*m.net, m.flat, corpus(), shard, loader, opt);
  Gradients out;
  const std::span<const float> a = oracle.gradient(m.flat.params());
  out.g0.assign(a.begin(), a.end());
  const std::span<const float> b = oracle.gradient(m.flat.params());
  out.g1.assign(b.begin(), b.end());
  out.loss = oracle.take_loss().loss_sum;
  return out;
}

TEST(TextMlmOracleAdversarial, OneAscentStepFromZeroIsPlainMlmBitForBit) {
  configure_torch_threads(1);
  const Gradients plain = oracle_gradients(std::nullopt);
  // K = 1 with delta_0 = 0: the only pass is L(E + 0) / 1; the step size never applies.
  const Gradients k1 = oracle_gradients(freelb(1, 0.5, 0.0));
  EXPECT_EQ(k1.g0, plain.g0);
  EXPECT_EQ(k1.g1, plain.g1);
  EXPECT_EQ(k1.loss, plain.loss);
  // A real ascent (K = 2, a large step) changes the gradient: the test above can fail.
  const Gradients k2 = oracle_gradients(freelb(2, 1.0, 0.0));
  EXPECT_NE(k2.g0, plain.g0);
  EXPECT_GT(k2.loss, plain.loss);  // the ascent raised the loss it reports
}

TEST(TextMlmOracleAdversarial, TheObjectiveIncreasesOverTheAscentSteps) {
  configure_torch_threads(1);
  Model m(7);
  m.net->eval();  // no dropout: every pass sees the same network
  const std::vector<std::uint32_t> rows = range(0, 16);
  TextMlmOptions opt;
  opt.max_len = 24;
  opt.seed = 7;
  const MlmBatch b = make_mlm_batch(corpus(), rows, corpus().vocab_size, opt, 0);
  const torch::Tensor ids = batch_tensor(b.batch.input_ids, b.batch);
  const torch::Tensor mask =
      batch_tensor(b.batch.attention_mask, b.batch).to(torch::kFloat32).unsqueeze(-1);
  const EmbeddingLoss loss = [&](const torch::Tensor& e) {
    const MlmPredictions p = mlm_predictions_at(*m.net, b, e);
    return torch::nn::functional::cross_entropy(p.logits, p.labels);
  };
  for (const double beta : {0.0, 1.0}) {
    FreeLbOptions o = freelb(6, 0.05, 0.01);
    o.beta = beta;
    m.flat.zero_grads();
    torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(11);
    const FreeLbResult r = freelb_ascent(m.net->token_embeddings(ids), mask, loss, o, gen);
    ASSERT_EQ(r.objectives.size(), 6u);
    for (std::size_t t = 1; t < r.objectives.size(); ++t) {
      EXPECT_GT(r.objectives[t], r.objectives[t - 1]) << "beta " << beta << ", pass " << t;
    }
    // delta stays on the real tokens.
    EXPECT_EQ((r.delta * (1 - mask)).abs().max().item<float>(), 0.0f);
  }
  // The bound: with max_norm every example's delta has l2 norm <= e.
  FreeLbOptions o = freelb(4, 1.0, 0.01);
  o.max_norm = 0.02;
  m.flat.zero_grads();
  torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(12);
  const FreeLbResult r = freelb_ascent(m.net->token_embeddings(ids), mask, loss, o, gen);
  EXPECT_LE(r.delta.flatten(1).norm(2, 1).max().item<double>(), 0.02 * (1 + 1e-6));
}

TEST(TextMlmOracleAdversarial, WeightGradientsAreTheMeanOverThePasses) {
  configure_torch_threads(1);
  // With step size 0 and delta_0 = 0 every one of K passes is the clean pass: their mean is
  // the clean gradient up to fp32 rounding: the K = 3 passes accumulate into .grad and each
  // pass's backward sums hundreds of terms; seen here 4.2e-7 of the largest entry (1.0e-6
  // relative was too tight on one machine), so the bound is 1e-5 (about 80 ulp of the largest
  // entry), while a wrong mean (a sum, or one pass of three) is off by 100% of it.
  const Gradients plain = oracle_gradients(std::nullopt);
  const Gradients k3 = oracle_gradients(freelb(3, 0.0, 0.0));
  ASSERT_EQ(k3.g0.size(), plain.g0.size());
  double err = 0, norm = 0;
  for (std::size_t j = 0; j < plain.g0.size(); ++j) {
    err = std::max(err, std::abs(double(k3.g0[j]) - plain.g0[j]));
    norm = std::max(norm, std::abs(double(plain.g0[j])));
  }
  EXPECT_LT(err, 1e-5 * norm);
  EXPECT_GT(norm, 0.0);
}

TEST(TextMlmOracleAdversarial, BadOptionsAreRefused) {
  for (FreeLbOptions o : {freelb(0, 0.1, 0.1), freelb(2, -1, 0.1), freelb(2, 0.1, -1)}) {
    EXPECT_THROW(check_freelb_options(o, "freelb"), InvalidArgument);
  }
  FreeLbOptions o = freelb(2, 0.1, 0.1);
  o.beta = -1;
  EXPECT_THROW(check_freelb_options(o, "freelb"), InvalidArgument);
}

}  // namespace
}  // namespace dcopt::train
