#pragma once
// The checkpoint state PretrainTask and FinetuneTask share: the fingerprint of the tokenizer
// the run's token ids come from (a resume with another tokenizer is refused), the loader's
// position, and the oracle's counters (draws: the masking / dropout / perturbation stream's
// next round; per-sample gradients; the loss tally). `Oracle` is TextMlmOracle or
// TextTaskOracle.
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/data/batch_loader.hpp"
#include "dcopt/train/network_oracle.hpp"

namespace dcopt::train {

template <class Oracle>
void save_text_task_state(StateWriter& w, std::uint64_t tokenizer_fingerprint,
                          const BatchLoader& loader, const Oracle& oracle) {
  w.u64("tokenizer_fingerprint", tokenizer_fingerprint);
  loader.save(w);
  w.u64("draws", oracle.draws());
  w.u64("sample_grads", oracle.sample_grads());
  w.f64("loss_sum", oracle.loss().loss_sum);
  w.u64("loss_batches", oracle.loss().batches);
}

template <class Oracle>
void load_text_task_state(StateReader& r, const std::string& what,
                          std::uint64_t tokenizer_fingerprint, BatchLoader& loader,
                          Oracle& oracle) {
  const std::uint64_t fp = r.u64("tokenizer_fingerprint");
  if (fp != tokenizer_fingerprint) {
    throw DataError(what + ": written with another tokenizer (fingerprint " + hex64(fp) +
                    ", this run's is " + hex64(tokenizer_fingerprint) + ")");
  }
  loader.load(r);
  oracle.set_draws(r.u64("draws"));
  oracle.set_sample_grads(r.u64("sample_grads"));
  LossTally t;
  t.loss_sum = r.f64("loss_sum");
  t.batches = r.u64("loss_batches");
  oracle.set_loss(t);
}

}  // namespace dcopt::train
