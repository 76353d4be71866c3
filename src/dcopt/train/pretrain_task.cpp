#include "dcopt/train/pretrain_task.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/data/shard_plan.hpp"
#include "dcopt/train/text_evaluation.hpp"
#include "dcopt/train/text_task_state.hpp"

namespace dcopt::train {
namespace {

TransformerConfig mlm_config(const TextTrainConfig& cfg, const TokenBundle& tokens) {
  // This worker's copy of the [model] table: a Settings records which keys were read.
  const Settings model = cfg.base.model;
  return read_transformer_config(model, static_cast<int>(tokens.vocab_size), 0);
}

TextMlmOptions mlm_options(const TextTrainConfig& cfg, int rank) {
  TextMlmOptions o;
  o.max_len = cfg.data.max_len;
  o.masking = cfg.data.masking;
  o.seed = cfg.base.seed;
  o.rank = static_cast<std::size_t>(rank);
  o.adversarial = cfg.adversarial;
  return o;
}

}  // namespace

PretrainTask::PretrainTask(const TextTrainConfig& cfg, const TokenBundle& tokens, int rank)
    : cfg_(cfg),
      tokens_(tokens),
      train_(tokens.split("train")),
      eval_(tokens.split("eval")),
      shards_(plan_iid_shards(train_.size(), static_cast<std::size_t>(cfg.base.workers),
                              cfg.base.seed)),
      model_(mlm_config(cfg, tokens), cfg.base.seed),
      loader_(shards_.at(static_cast<std::size_t>(rank)), cfg.base.loop.batch, cfg.base.seed,
              static_cast<std::size_t>(rank)),
      options_(mlm_options(cfg, rank)),
      oracle_(model_.net(), model_.flat(), train_, shards_.at(static_cast<std::size_t>(rank)),
              loader_, options_) {}

TaskEvaluation PretrainTask::evaluate(WorkerContext& ctx) {
  const MlmEvaluation e =
      evaluate_mlm(ctx, model_.net(), eval_, options_, cfg_.base.loop.eval_batch);
  TaskEvaluation out;
  out.loss = e.loss;
  out.accuracy = e.accuracy;
  out.samples = e.sentences;
  return out;
}

void PretrainTask::save(StateWriter& w) const {
  save_text_task_state(w, tokens_.tokenizer_fingerprint, loader_, oracle_);
}

void PretrainTask::load(StateReader& r, const std::string& what) {
  load_text_task_state(r, what, tokens_.tokenizer_fingerprint, loader_, oracle_);
}

}  // namespace dcopt::train
