#include "dcopt/train/finetune_task.hpp"

#include <limits>

#include "dcopt/core/error.hpp"
#include "dcopt/data/shard_plan.hpp"
#include "dcopt/train/text_evaluation.hpp"
#include "dcopt/train/text_task_state.hpp"

namespace dcopt::train {
namespace {

int label_count(const TokenBundle& tokens) {
  if (tokens.regression) return 1;
  if (tokens.classes.size() < 2) {
    throw InvalidArgument("finetune: the token file's task '" + tokens.task +
                          "' has no classes and is not a regression task");
  }
  return static_cast<int>(tokens.classes.size());
}

TextTaskOptions task_options(const TextTrainConfig& cfg, int rank) {
  TextTaskOptions o;
  o.max_len = cfg.data.max_len;
  o.perturbation = cfg.perturbation;
  o.seed = cfg.base.seed;
  o.rank = static_cast<std::size_t>(rank);
  return o;
}

TransformerConfig architecture(const TextTrainConfig& cfg, const TokenBundle& tokens,
                               const TextModelFile& pretrained) {
  const Settings model = cfg.base.model;  // this worker's copy: a Settings records reads
  return finetune_architecture(model, pretrained.config, label_count(tokens));
}

}  // namespace

TransformerConfig finetune_architecture(const Settings& model, const TransformerConfig& pretrained,
                                        int labels) {
  TransformerConfig c = pretrained;
  c.labels = labels;
  c.mlm_head = false;
  c.hidden_dropout = model.number("hidden_dropout", c.hidden_dropout, 0.0, 1.0);
  c.attention_dropout = model.number("attention_dropout", c.attention_dropout, 0.0, 1.0);
  try {
    model.reject_unused();
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(
        std::string(e.what()) + " (finetune takes the architecture of the pre-trained model, " +
        pretrained.describe() + "; [model] may set hidden_dropout and attention_dropout only)");
  }
  validate(c);
  return c;
}

FinetuneTask::FinetuneTask(const TextTrainConfig& cfg, const TokenBundle& tokens,
                           const TextModelFile& pretrained, const std::string& pretrained_file,
                           int rank)
    : cfg_(cfg),
      tokens_(tokens),
      train_(tokens.split("train")),
      dev_(tokens.split("dev")),
      metrics_(glue_task(tokens.task).dev_metrics),
      shards_(plan_iid_shards(train_.size(), static_cast<std::size_t>(cfg.base.workers),
                              cfg.base.seed)),
      model_(architecture(cfg, tokens, pretrained), cfg.base.seed),
      loader_(shards_.at(static_cast<std::size_t>(rank)), cfg.base.loop.batch, cfg.base.seed,
              static_cast<std::size_t>(rank)),
      oracle_(model_.net(), model_.flat(), train_, shards_.at(static_cast<std::size_t>(rank)),
              loader_, task_options(cfg, rank)) {
  // The head keeps its seeded initialization; everything else becomes the pre-trained weights.
  load_pretrained_weights(pretrained, pretrained_file, tokens.tokenizer_fingerprint, model_.flat());
  oracle_.set_perturbation_active(cfg.perturbs(0));
}

TaskTimes FinetuneTask::times() const {
  const TextStepTimes& t = oracle_.times();
  return {t.forward_s, t.backward_s, t.perturbation_s};
}

std::vector<std::string> FinetuneTask::extra_metrics() const {
  std::vector<std::string> out;
  for (GlueMetric m : metrics_) {
    if (m != GlueMetric::accuracy) out.emplace_back(to_string(m));
  }
  return out;
}

TaskEvaluation FinetuneTask::evaluate(WorkerContext& ctx) {
  const TextEvaluation e = evaluate_text_task(ctx, model_.net(), dev_, metrics_, cfg_.data.max_len,
                                              cfg_.base.loop.eval_batch);
  TaskEvaluation out;
  out.loss = e.loss;
  out.accuracy = std::numeric_limits<double>::quiet_NaN();
  out.samples = e.samples;
  for (const auto& [name, value] : e.metrics) {
    if (name == "accuracy") {
      out.accuracy = value;
    } else {
      out.extra.push_back(value);
    }
  }
  return out;
}

void FinetuneTask::begin_step(std::uint64_t, std::uint64_t epoch) {
  oracle_.set_perturbation_active(cfg_.perturbs(epoch));
}

void FinetuneTask::save(StateWriter& w) const {
  save_text_task_state(w, tokens_.tokenizer_fingerprint, loader_, oracle_);
}

void FinetuneTask::load(StateReader& r, const std::string& what) {
  load_text_task_state(r, what, tokens_.tokenizer_fingerprint, loader_, oracle_);
}

}  // namespace dcopt::train
