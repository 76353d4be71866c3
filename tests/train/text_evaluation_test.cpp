// The collective text evaluations on threads: 1, 2 and 3 workers give the same counts and
// metrics exactly and the same losses to 1e-12 relative (only the double sums of the per-batch
// losses are grouped differently); every rank gets the same bits; the metrics equal a
// single-process recomputation from the network's own logits; the MLM masks follow the
// documented stream, do not change between calls, and the network's mode is restored.
#include "dcopt/train/text_evaluation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/data/glue_metrics.hpp"
#include "dcopt/data/mlm_masking.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/models/transformer_encoder.hpp"
#include "dcopt/train/text_parameter_init.hpp"
#include "dcopt/train/torch_threads.hpp"

namespace dcopt::train {
namespace {

constexpr int kVocab = 60;
constexpr std::size_t kMaxLen = 16;
constexpr std::size_t kBatch = 5;

// 37 random sentence pairs (a prime count: no worker count divides it, nor the batch size) of 1
// to 12 ordinary tokens each, so that rows are padded to different widths and some are
// truncated to kMaxLen. Class ids in [0, classes) or targets in [0, 5].
TokenizedDataset dataset(std::size_t classes, bool pair = true) {
  Rng rng(11, Purpose::test);
  TokenizedDataset d;
  d.labeled = true;
  d.vocab_size = kVocab;
  for (int i = 0; i < 37; ++i) {
    for (TokenSequences* s : {&d.a, &d.b}) {
      if (s == &d.b && !pair) continue;
      std::vector<std::int32_t> ids(1 + rng.below(12));
      for (auto& t : ids) t = static_cast<std::int32_t>(kNumSpecialIds + rng.below(kVocab - 5));
      s->push_back(ids);
    }
    if (classes >= 2) {
      d.label_ids.push_back(static_cast<std::int32_t>(rng.below(classes)));
    } else {
      d.targets.push_back(static_cast<float>(5 * rng.uniform()));
    }
  }
  return d;
}

// H = 16, one layer, 2 heads, FFN 32, dropout on (it must be switched off by the evaluation).
// Parameters N(0, 1) instead of BERT's 0.02 init, so that the predicted classes vary from
// example to example (with tiny logits an untrained model predicts one class for everything,
// and the F1 and Matthews correlation would be 0 whatever the evaluation did).
struct Model {
  std::shared_ptr<TransformerEncoder> net;
  std::unique_ptr<FlatParameters> flat;
  explicit Model(int labels) {
    TransformerConfig c = default_transformer_config("bert", kVocab, labels);
    c.hidden = 16;
    c.embedding = 16;
    c.layers = 1;
    c.heads = 2;
    c.ffn = 32;
    c.max_positions = 32;
    net = std::make_shared<TransformerEncoder>(c);
    flat = std::make_unique<FlatParameters>(*net);
    init_text_parameters(*net, *flat, 5);
    Rng rng(5, Purpose::test, 1);
    for (float& p : flat->params()) p = static_cast<float>(1.0 * rng.normal());
    net->train();
  }
};

double relative(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

std::vector<TextEvaluation> run_task(int workers, const TokenizedDataset& data, int labels,
                                     const std::vector<GlueMetric>& metrics) {
  std::vector<TextEvaluation> out(static_cast<std::size_t>(workers));
  run_threads(workers, [&](Communicator& comm) {
    Model m(labels);
    WorkerContext ctx{comm, 5};
    out[static_cast<std::size_t>(comm.rank())] =
        evaluate_text_task(ctx, *m.net, data, metrics, kMaxLen, kBatch);
    EXPECT_TRUE(m.net->is_training());  // restored
  });
  return out;
}

// The network's own outputs on the evaluation's batches, in one process, in eval mode.
torch::Tensor outputs(TextNetwork& net, const TokenizedDataset& data) {
  torch::NoGradGuard ng;
  net.eval();
  std::vector<torch::Tensor> parts;
  for (std::size_t j = 0; j * kBatch < data.size(); ++j) {
    std::vector<std::uint32_t> rows;
    for (std::size_t i = j * kBatch; i < std::min(data.size(), (j + 1) * kBatch); ++i) {
      rows.push_back(static_cast<std::uint32_t>(i));
    }
    const TextBatch b = make_text_batch(data, rows, kMaxLen);
    parts.push_back(net.forward(batch_tensor(b.input_ids, b), batch_tensor(b.segment_ids, b),
                                batch_tensor(b.attention_mask, b))
                        .clone());
  }
  net.train();
  return torch::cat(parts);
}

void expect_same_across_ranks_and_counts(const std::vector<std::vector<TextEvaluation>>& runs) {
  const TextEvaluation& ref = runs[0][0];
  for (const auto& run : runs) {
    for (const TextEvaluation& e : run) {
      // Every rank of one run: the same bits.
      EXPECT_EQ(e.loss, run[0].loss);
      EXPECT_EQ(e.metrics, run[0].metrics);
      // Across worker counts: metrics exactly, the loss up to the grouping of its double sum.
      EXPECT_EQ(e.samples, 37u);
      EXPECT_EQ(e.metrics, ref.metrics) << run.size() << " workers";
      EXPECT_LT(relative(e.loss, ref.loss), 1e-12) << run.size() << " workers";
    }
  }
}

TEST(TextEvaluation, ClassificationIsTheSameOnOneTwoAndThreeWorkersAndMatchesTheLogits) {
  configure_torch_threads(1);
  for (int classes : {2, 3}) {
    SCOPED_TRACE(classes);
    const TokenizedDataset data = dataset(static_cast<std::size_t>(classes));
    const std::vector<GlueMetric> metrics{GlueMetric::matthews, GlueMetric::accuracy,
                                          GlueMetric::f1};
    std::vector<std::vector<TextEvaluation>> runs;
    for (int n : {1, 2, 3}) runs.push_back(run_task(n, data, classes, metrics));
    expect_same_across_ranks_and_counts(runs);

    // Recomputed from the logits of the same model in one process.
    Model m(classes);
    const torch::Tensor logits = outputs(*m.net, data);
    const torch::Tensor argmax = logits.argmax(1).contiguous();
    const std::vector<std::int64_t> predicted(argmax.data_ptr<std::int64_t>(),
                                              argmax.data_ptr<std::int64_t>() + argmax.numel());
    const std::vector<std::int64_t> labels(data.label_ids.begin(), data.label_ids.end());
    // Not a degenerate case: several classes are predicted, and not all correctly.
    EXPECT_NE(std::count(predicted.begin(), predicted.end(), predicted[0]), 37);
    const TextEvaluation& e = runs[0][0];
    ASSERT_EQ(e.metrics.size(), 3u);
    EXPECT_EQ(e.metrics[0].first, "matthews");
    EXPECT_EQ(e.metrics[0].second, matthews(predicted, labels));
    EXPECT_EQ(e.metrics[1].first, "accuracy");
    EXPECT_EQ(e.metrics[1].second, accuracy(predicted, labels));
    EXPECT_EQ(e.metrics[2].first, "f1");
    EXPECT_EQ(e.metrics[2].second, f1_positive(predicted, labels));
    EXPECT_GT(e.metrics[1].second, 0.0);
    EXPECT_LT(e.metrics[1].second, 1.0);
    EXPECT_NE(e.metrics[0].second, 0.0);
    const torch::Tensor target = torch::tensor(labels, torch::kInt64);
    // The mean over 37 rows in float vs per-batch float sums added in double: ~1e-7 relative.
    EXPECT_LT(relative(e.loss, torch::nn::functional::cross_entropy(logits, target).item<double>()),
              1e-5);
    EXPECT_GT(e.loss, 0.1);
  }
}

TEST(TextEvaluation, EvaluatesInEvalModeAndRestoresTheMode) {
  configure_torch_threads(1);
  const TokenizedDataset data = dataset(2);
  const std::vector<GlueMetric> metrics{GlueMetric::accuracy};
  run_threads(1, [&](Communicator& comm) {
    Model m(2);
    WorkerContext ctx{comm, 5};
    // In training mode dropout (p = 0.1, a generator that advances at every forward) would make
    // two calls differ; in eval mode they are the same bits.
    const TextEvaluation a = evaluate_text_task(ctx, *m.net, data, metrics, kMaxLen, kBatch);
    EXPECT_TRUE(m.net->is_training());
    const TextEvaluation b = evaluate_text_task(ctx, *m.net, data, metrics, kMaxLen, kBatch);
    EXPECT_EQ(a.loss, b.loss);
    m.net->eval();
    const TextEvaluation c = evaluate_text_task(ctx, *m.net, data, metrics, kMaxLen, kBatch);
    EXPECT_FALSE(m.net->is_training());  // not switched to training mode
    EXPECT_EQ(a.loss, c.loss);
    // Training mode is restored when the evaluation throws too (a bad metric for the head).
    m.net->train();
    const std::vector<GlueMetric> bad{GlueMetric::pearson};
    EXPECT_THROW(evaluate_text_task(ctx, *m.net, data, bad, kMaxLen, kBatch), InvalidArgument);
    EXPECT_TRUE(m.net->is_training());
    // The loss with dropout on differs: the test above could fail.
    torch::NoGradGuard ng;
    std::vector<std::uint32_t> rows(37);
    for (std::uint32_t i = 0; i < 37; ++i) rows[i] = i;
    const TextBatch tb = make_text_batch(data, rows, kMaxLen);
    const torch::Tensor ids = batch_tensor(tb.input_ids, tb),
                        seg = batch_tensor(tb.segment_ids, tb),
                        mask = batch_tensor(tb.attention_mask, tb);
    EXPECT_FALSE(torch::equal(m.net->forward(ids, seg, mask), m.net->forward(ids, seg, mask)));
  });
}

TEST(TextEvaluation, RegressionIsTheSameOnOneTwoAndThreeWorkersAndMatchesTheOutputs) {
  configure_torch_threads(1);
  const TokenizedDataset data = dataset(1);
  const std::vector<GlueMetric> metrics{GlueMetric::pearson, GlueMetric::spearman};
  std::vector<std::vector<TextEvaluation>> runs;
  for (int n : {1, 2, 3}) runs.push_back(run_task(n, data, 1, metrics));
  expect_same_across_ranks_and_counts(runs);

  Model m(1);
  const torch::Tensor out = outputs(*m.net, data).reshape({-1}).to(torch::kFloat64).contiguous();
  const std::vector<double> x(out.data_ptr<double>(), out.data_ptr<double>() + out.numel());
  const std::vector<double> y(data.targets.begin(), data.targets.end());
  const TextEvaluation& e = runs[0][0];
  ASSERT_EQ(e.metrics.size(), 2u);
  EXPECT_EQ(e.metrics[0].first, "pearson");
  EXPECT_EQ(e.metrics[0].second, pearson(x, y));
  EXPECT_EQ(e.metrics[1].first, "spearman");
  EXPECT_EQ(e.metrics[1].second, spearman(x, y));
  EXPECT_FALSE(std::isnan(e.metrics[0].second));
  EXPECT_NE(e.metrics[1].second, 0.0);
  double se = 0;
  for (std::size_t i = 0; i < x.size(); ++i) se += (x[i] - y[i]) * (x[i] - y[i]);
  // Squares in float per batch vs in double here: ~1e-7 relative.
  EXPECT_LT(relative(e.loss, se / 37), 1e-5);
}

TEST(TextEvaluation, RejectsBadCallsOnEveryRank) {
  configure_torch_threads(1);
  const TokenizedDataset classes = dataset(2);
  const TokenizedDataset targets = dataset(1);
  TokenizedDataset unlabeled = classes;
  unlabeled.labeled = false;
  unlabeled.label_ids.clear();
  TokenizedDataset out_of_range = classes;
  out_of_range.label_ids[36] = 2;
  const std::vector<GlueMetric> acc{GlueMetric::accuracy}, corr{GlueMetric::pearson};
  run_threads(2, [&](Communicator& comm) {
    Model m(2), r(1);
    WorkerContext ctx{comm, 5};
    EXPECT_THROW(evaluate_text_task(ctx, *m.net, classes, corr, kMaxLen, kBatch), InvalidArgument);
    EXPECT_THROW(evaluate_text_task(ctx, *r.net, targets, acc, kMaxLen, kBatch), InvalidArgument);
    EXPECT_THROW(evaluate_text_task(ctx, *m.net, targets, acc, kMaxLen, kBatch), InvalidArgument);
    EXPECT_THROW(evaluate_text_task(ctx, *m.net, unlabeled, acc, kMaxLen, kBatch), InvalidArgument);
    EXPECT_THROW(evaluate_text_task(ctx, *m.net, out_of_range, acc, kMaxLen, kBatch),
                 InvalidArgument);
    EXPECT_THROW(evaluate_text_task(ctx, *m.net, classes, acc, kMaxLen, 0), InvalidArgument);
    EXPECT_THROW(evaluate_text_task(ctx, *m.net, classes, acc, 33, kBatch), InvalidArgument);
    EXPECT_THROW(evaluate_text_task(ctx, *m.net, classes, acc, 2, kBatch), InvalidArgument);
    EXPECT_THROW(evaluate_mlm(ctx, *m.net, classes, TextMlmOptions{kMaxLen, {}, 1, 0, {}}, 0),
                 InvalidArgument);
    // The cluster is still usable: nothing was left half-called.
    const TextEvaluation e = evaluate_text_task(ctx, *m.net, classes, acc, kMaxLen, kBatch);
    EXPECT_EQ(e.samples, 37u);
  });
}

std::vector<MlmEvaluation> run_mlm(int workers, const TokenizedDataset& data,
                                   const TextMlmOptions& options, int calls = 1) {
  std::vector<MlmEvaluation> out(static_cast<std::size_t>(workers * calls));
  run_threads(workers, [&](Communicator& comm) {
    Model m(0);
    WorkerContext ctx{comm, 5};
    for (int c = 0; c < calls; ++c) {
      out[static_cast<std::size_t>(c * workers + comm.rank())] =
          evaluate_mlm(ctx, *m.net, data, options, kBatch);
    }
    EXPECT_TRUE(m.net->is_training());
  });
  return out;
}

TEST(TextEvaluation, MlmIsTheSameAcrossCallsAndWorkerCountsAndFollowsTheDocumentedMasks) {
  configure_torch_threads(1);
  const TokenizedDataset data = dataset(2, /*pair=*/false);
  TextMlmOptions options{kMaxLen, {}, 9, 0, {}};
  // Two calls on one worker: the same masks, the same bits (no step dependence, no dropout).
  const std::vector<MlmEvaluation> twice = run_mlm(1, data, options, 2);
  EXPECT_EQ(twice[0].loss, twice[1].loss);
  EXPECT_EQ(twice[0].masked, twice[1].masked);
  EXPECT_EQ(twice[0].accuracy, twice[1].accuracy);
  const MlmEvaluation& ref = twice[0];
  EXPECT_EQ(ref.sentences, 37u);
  // The training rank in the options does not matter: the stream is kMlmEvalStream's.
  options.rank = 3;
  for (int n : {1, 2, 3}) {
    for (const MlmEvaluation& e : run_mlm(n, data, options)) {
      EXPECT_EQ(e.masked, ref.masked) << n << " workers";
      EXPECT_EQ(e.accuracy, ref.accuracy) << n << " workers";
      EXPECT_LT(relative(e.loss, ref.loss), 1e-12) << n << " workers";
      EXPECT_EQ(e.sentences, 37u);
    }
  }

  // Rebuilt from the documented stream, with the decoder over every position and ignore_index
  // (not the gathered masked rows) and one mean over all masked positions of the 8 batches.
  Model m(0);
  m.net->eval();
  torch::NoGradGuard ng;
  double ce = 0, correct = 0;
  std::size_t masked = 0;
  for (std::size_t j = 0; j * kBatch < data.size(); ++j) {
    std::vector<std::uint32_t> rows;
    for (std::size_t i = j * kBatch; i < std::min(data.size(), (j + 1) * kBatch); ++i) {
      rows.push_back(static_cast<std::uint32_t>(i));
    }
    TextBatch b = make_text_batch(data, rows, kMaxLen);
    Rng rng(9, Purpose::masking, kMlmEvalStream, j);
    MlmMasking mk = apply_mlm_masking(b, kVocab, rng);
    masked += mk.selected;
    const torch::Tensor logits = m.net->mlm_logits(
        m.net->encode(m.net->token_embeddings(batch_tensor(b.input_ids, b)),
                      batch_tensor(b.segment_ids, b), batch_tensor(b.attention_mask, b)));
    const torch::Tensor flat = logits.reshape({-1, kVocab});
    const torch::Tensor labels = batch_tensor(mk.labels, b).reshape({-1});
    ce += torch::nn::functional::cross_entropy(flat, labels,
                                               torch::nn::functional::CrossEntropyFuncOptions()
                                                   .ignore_index(kMlmIgnore)
                                                   .reduction(torch::kSum))
              .item<double>();
    correct += flat.argmax(1).eq(labels).sum().item<double>();
  }
  EXPECT_EQ(ref.masked, masked);
  EXPECT_GT(masked, 37u);  // at least one per sentence, more in the long ones
  // The decoder over N*S rows vs over the M gathered ones: float rounding, ~1e-7 relative.
  EXPECT_LT(relative(ref.loss, ce / static_cast<double>(masked)), 1e-5);
  EXPECT_EQ(ref.accuracy, correct / static_cast<double>(masked));
  EXPECT_GT(ref.loss, 1.0);  // a random model is far from perfect: not a sum of zeros
}

}  // namespace
}  // namespace dcopt::train
