#include "dcopt/train/text_evaluation.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "dcopt/core/error.hpp"
#include "dcopt/data/glue_metrics.hpp"

namespace dcopt::train {
namespace {

/// Puts the network in eval mode for its lifetime; back in training mode afterwards if it was.
class EvalMode {
 public:
  explicit EvalMode(TextNetwork& net) : net_(net), was_training_(net.is_training()) { net_.eval(); }
  ~EvalMode() {
    if (was_training_) net_.train();
  }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  TextNetwork& net_;
  bool was_training_;
};

/// This worker's batches [first, last) of the ceil(n_rows / batch) (see the header).
struct BatchRange {
  std::size_t first = 0, last = 0;
};

BatchRange my_batches(const WorkerContext& ctx, std::size_t n_rows, std::size_t batch) {
  const std::size_t total = (n_rows + batch - 1) / batch;
  const auto n = static_cast<std::size_t>(ctx.size());
  const auto r = static_cast<std::size_t>(ctx.rank());
  return {r * total / n, (r + 1) * total / n};
}

std::vector<std::uint32_t> batch_rows(std::size_t j, std::size_t batch, std::size_t n_rows) {
  std::vector<std::uint32_t> rows(std::min(n_rows, (j + 1) * batch) - j * batch);
  std::iota(rows.begin(), rows.end(), static_cast<std::uint32_t>(j * batch));
  return rows;
}

void check_common(const char* what, const TextNetwork& net, const TokenizedDataset& data,
                  std::size_t max_len, std::size_t batch) {
  auto fail = [&](const std::string& why) {
    std::string m = what;
    m += ": ";
    m += why;
    throw InvalidArgument(m);
  };
  if (data.size() == 0) fail("no example to evaluate");
  if (batch == 0) fail("batch must be at least 1 row");
  if (data.size() > std::size_t{0xFFFF'FFFF}) fail("more examples than 32-bit row indices hold");
  if (max_len > static_cast<std::size_t>(net.max_positions())) {
    fail("max_len " + std::to_string(max_len) + " beyond the network's " +
         std::to_string(net.max_positions()) + " positions");
  }
  const std::size_t specials = data.is_pair() ? 3 : 2;
  if (max_len < specials) {
    fail("max_len " + std::to_string(max_len) + " leaves no room for the " +
         std::to_string(specials) + " special tokens");
  }
  if (data.vocab_size > static_cast<std::size_t>(net.vocab_size())) {
    fail("the dataset's tokenizer has " + std::to_string(data.vocab_size) +
         " ids; the network's vocabulary " + std::to_string(net.vocab_size()));
  }
}

bool is_classification_metric(GlueMetric m) {
  return m == GlueMetric::accuracy || m == GlueMetric::f1 || m == GlueMetric::matthews;
}

void check_task(const TextNetwork& net, const TokenizedDataset& data,
                std::span<const GlueMetric> metrics) {
  const int labels = net.num_labels();
  if (labels < 1) throw InvalidArgument("evaluate_text_task: the network has no task head");
  if (!data.labeled) throw InvalidArgument("evaluate_text_task: the dataset has no labels");
  const bool classes = labels >= 2;
  for (GlueMetric m : metrics) {
    if (is_classification_metric(m) != classes) {
      std::string msg = "evaluate_text_task: metric ";
      msg += to_string(m);
      msg += classes ? " needs a regression head (1 output); the network has "
                     : " needs a classification head (>= 2 outputs); the network has ";
      msg += std::to_string(labels);
      throw InvalidArgument(msg);
    }
  }
  if (classes) {
    if (data.label_ids.size() != data.size()) {
      throw InvalidArgument("evaluate_text_task: a classification head needs class ids");
    }
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (data.label_ids[i] < 0 || data.label_ids[i] >= labels) {
        throw InvalidArgument("evaluate_text_task: example " + std::to_string(i) + " has class " +
                              std::to_string(data.label_ids[i]) + "; the head has " +
                              std::to_string(labels) + " classes");
      }
    }
  } else if (data.targets.size() != data.size()) {
    throw InvalidArgument("evaluate_text_task: a regression head needs targets");
  }
}

}  // namespace

TextEvaluation evaluate_text_task(WorkerContext& ctx, TextNetwork& net,
                                  const TokenizedDataset& data, std::span<const GlueMetric> metrics,
                                  std::size_t max_len, std::size_t batch) {
  check_common("evaluate_text_task", net, data, max_len, batch);
  check_task(net, data, metrics);
  const bool classes = net.num_labels() >= 2;
  const auto k = static_cast<std::size_t>(net.num_labels());
  // [0] the loss sum; then, for classification, the confusion counts (exact in double).
  std::vector<double> sums(1 + (classes ? k * k : 0), 0.0);
  std::vector<float> predictions;  // regression: this worker's, in row order
  const BatchRange mine = my_batches(ctx, data.size(), batch);
  {
    EvalMode eval_mode(net);
    torch::NoGradGuard no_grad;
    for (std::size_t j = mine.first; j < mine.last; ++j) {
      const std::vector<std::uint32_t> rows = batch_rows(j, batch, data.size());
      const TextBatch b = make_text_batch(data, rows, max_len);
      const torch::Tensor out =
          net.forward(batch_tensor(b.input_ids, b), batch_tensor(b.segment_ids, b),
                      batch_tensor(b.attention_mask, b));
      const auto len = static_cast<std::int64_t>(b.rows);
      if (classes) {
        const torch::Tensor target =
            torch::from_blob(const_cast<std::int64_t*>(b.label_ids.data()), {len}, torch::kInt64);
        sums[0] += torch::nn::functional::cross_entropy(
                       out, target,
                       torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .item<double>();
        const torch::Tensor predicted = out.argmax(1).contiguous();
        const std::int64_t* p = predicted.data_ptr<std::int64_t>();
        for (std::size_t i = 0; i < b.rows; ++i) {
          sums[1 + static_cast<std::size_t>(b.label_ids[i]) * k + static_cast<std::size_t>(p[i])] +=
              1.0;
        }
      } else {
        const torch::Tensor value = out.reshape({len}).contiguous();
        const torch::Tensor target =
            torch::from_blob(const_cast<float*>(b.targets.data()), {len}, torch::kFloat32);
        sums[0] += (value - target).square().sum().item<double>();
        const float* v = value.data_ptr<float>();
        predictions.insert(predictions.end(), v, v + b.rows);
      }
    }
  }
  ctx.comm.allreduce_sum(std::span<double>(sums));

  TextEvaluation e;
  e.samples = data.size();
  e.loss = sums[0] / static_cast<double>(data.size());
  if (classes) {
    ConfusionMatrix c(k);
    for (std::size_t i = 0; i < k * k; ++i) c.counts[i] = static_cast<std::uint64_t>(sums[1 + i]);
    for (GlueMetric m : metrics) {
      const double v = m == GlueMetric::accuracy ? c.accuracy()
                       : m == GlueMetric::f1     ? c.f1_positive()
                                                 : c.matthews();
      e.metrics.emplace_back(std::string(to_string(m)), v);
    }
    return e;
  }
  // Regression: every worker gets every prediction, in rank order = row order.
  std::vector<std::uint8_t> bytes(predictions.size() * sizeof(float));
  if (!bytes.empty()) std::memcpy(bytes.data(), predictions.data(), bytes.size());
  const std::vector<Bytes> all = ctx.comm.allgather(bytes);
  std::vector<double> x, y(data.targets.begin(), data.targets.end());
  x.reserve(data.size());
  for (const Bytes& part : all) {
    for (std::size_t off = 0; off + sizeof(float) <= part.size(); off += sizeof(float)) {
      float f;
      std::memcpy(&f, part.data() + off, sizeof(float));
      x.push_back(f);
    }
  }
  if (x.size() != y.size()) {
    throw CommError("evaluate_text_task: gathered " + std::to_string(x.size()) +
                    " predictions for " + std::to_string(y.size()) + " examples");
  }
  for (GlueMetric m : metrics) {
    e.metrics.emplace_back(std::string(to_string(m)),
                           m == GlueMetric::pearson ? pearson(x, y) : spearman(x, y));
  }
  return e;
}

MlmEvaluation evaluate_mlm(WorkerContext& ctx, TextNetwork& net, const TokenizedDataset& eval,
                           const TextMlmOptions& options, std::size_t batch) {
  check_common("evaluate_mlm", net, eval, options.max_len, batch);
  TextMlmOptions stream = options;
  stream.rank = kMlmEvalStream;
  double sums[3] = {0, 0, 0};  // cross-entropy sum, correct, masked
  const BatchRange mine = my_batches(ctx, eval.size(), batch);
  {
    EvalMode eval_mode(net);
    torch::NoGradGuard no_grad;
    for (std::size_t j = mine.first; j < mine.last; ++j) {
      const std::vector<std::uint32_t> rows = batch_rows(j, batch, eval.size());
      const MlmBatch b = make_mlm_batch(eval, rows, eval.vocab_size, stream, j);
      if (b.masking.selected == 0) continue;  // nothing to predict (rows of specials only)
      const MlmPredictions p = mlm_predictions(net, b);
      sums[0] += torch::nn::functional::cross_entropy(
                     p.logits, p.labels,
                     torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                     .item<double>();
      sums[1] += p.logits.argmax(1).eq(p.labels).sum().item<double>();
      sums[2] += static_cast<double>(b.masking.selected);
    }
  }
  ctx.comm.allreduce_sum(std::span<double>(sums, 3));
  if (sums[2] == 0) {
    throw InvalidArgument("evaluate_mlm: no maskable token in the " + std::to_string(eval.size()) +
                          " held-out sentences");
  }
  MlmEvaluation e;
  e.masked = static_cast<std::uint64_t>(sums[2]);
  e.sentences = eval.size();
  e.loss = sums[0] / sums[2];
  e.accuracy = sums[1] / sums[2];
  return e;
}

}  // namespace dcopt::train
