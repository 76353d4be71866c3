#include "dcopt/train/pretrain_task.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/data/shard_plan.hpp"
#include "dcopt/train/text_evaluation.hpp"

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

std::vector<std::size_t> PretrainTask::shard_sizes() const {
  std::vector<std::size_t> out;
  for (const auto& s : shards_) out.push_back(s.size());
  return out;
}

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
  w.u64("tokenizer_fingerprint", tokens_.tokenizer_fingerprint);
  loader_.save(w);
  w.u64("draws", oracle_.draws());
  w.u64("sample_grads", oracle_.sample_grads());
  w.f64("loss_sum", oracle_.loss().loss_sum);
  w.u64("loss_batches", oracle_.loss().batches);
}

void PretrainTask::load(StateReader& r, const std::string& what) {
  const std::uint64_t fp = r.u64("tokenizer_fingerprint");
  if (fp != tokens_.tokenizer_fingerprint) {
    throw DataError(what + ": written with another tokenizer (fingerprint " + hex64(fp) +
                    ", this run's is " + hex64(tokens_.tokenizer_fingerprint) + ")");
  }
  loader_.load(r);
  oracle_.set_draws(r.u64("draws"));
  oracle_.set_sample_grads(r.u64("sample_grads"));
  LossTally t;
  t.loss_sum = r.f64("loss_sum");
  t.batches = r.u64("loss_batches");
  oracle_.set_loss(t);
}

}  // namespace dcopt::train
