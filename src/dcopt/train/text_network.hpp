#pragma once
// A text encoder with the hooks adversarial training needs (issue 9: FreeLB / ScaLA perturb the
// word embeddings, not the token ids): the forward pass is split at the word embeddings,
//   logits = classify(encode(token_embeddings(ids) + delta, segments, mask)).
// Shapes: N sequences of S tokens; ids and segments int64 (N, S); attention_mask (N, S) of 1
// (a real token) and 0 (padding), any numeric type; E the embedding width, H the hidden width,
// V the vocabulary. Every tensor is float32 on the CPU.
//
// Like Network (network.hpp), parameters are moved into flat buffers by FlatParameters after
// construction and initialized from the run's seed (text_parameter_init.hpp). Dropout draws
// from a generator the network owns (seeded_dropout.hpp), never torch's global one: the trainer
// calls set_dropout_seed once per step and rank; train()/eval() switch dropout on and off.
#include <cstdint>
#include <string>

#include "dcopt/train/torch_pch.hpp"

namespace dcopt::train {

class TextNetwork : public torch::nn::Module {
 public:
  /// The word embeddings (N, S, E) of ids (N, S): the tensor a perturbation is added to.
  /// InvalidArgument for an id outside [0, vocab).
  virtual torch::Tensor token_embeddings(const torch::Tensor& ids) = 0;
  /// The sequence output (N, S, H): token_embeds (N, S, E) plus position and segment
  /// embeddings, LayerNorm, dropout, the projection E -> H (if E < H), the encoder layers.
  /// `segments` undefined: all 0; `attention_mask` undefined: no padding.
  virtual torch::Tensor encode(const torch::Tensor& token_embeds, const torch::Tensor& segments,
                               const torch::Tensor& attention_mask) = 0;
  /// Head output (N, labels) from the [CLS] (position 0) row of a sequence output: logits for
  /// labels >= 2, the predicted value for labels = 1 (regression). InvalidArgument without a
  /// classification head (labels = 0).
  virtual torch::Tensor classify(const torch::Tensor& sequence_output) = 0;
  /// Masked-language-model logits (..., V) for hidden states (..., H): a sequence output
  /// (N, S, H), or only the masked rows gathered as (M, H), which costs M/(N S) of the
  /// decoder. InvalidArgument without an MLM head.
  virtual torch::Tensor mlm_logits(const torch::Tensor& hidden) = 0;
  /// Restarts the dropout masks: the same seed and the same calls give the same masks.
  virtual void set_dropout_seed(std::uint64_t seed) = 0;

  virtual int vocab_size() const = 0;
  virtual int num_labels() const = 0;
  virtual int max_positions() const = 0;
  /// The model as configured, e.g. "bert(H=128,E=128,L=2,...)": what a checkpoint records.
  virtual std::string describe() const = 0;

  /// classify(encode(token_embeddings(ids), segments, attention_mask)).
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& segments,
                        const torch::Tensor& attention_mask) {
    return classify(encode(token_embeddings(ids), segments, attention_mask));
  }
};

}  // namespace dcopt::train
