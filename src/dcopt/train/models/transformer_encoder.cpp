#include "dcopt/train/models/transformer_encoder.hpp"

#include "dcopt/core/error.hpp"

namespace dcopt::train {
namespace {

std::string shape_of(const torch::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::string s = "(";
  for (std::int64_t i = 0; i < t.dim(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(t.size(i));
  }
  return s + ")";
}

void require(bool ok, const char* fn, const std::string& what) {
  if (!ok) {
    std::string msg = "TransformerEncoder::";
    msg += fn;
    msg += ": ";
    msg += what;
    throw InvalidArgument(msg);
  }
}

// Integer ids of shape (N, S) with every value in [0, bound).
void check_ids(const torch::Tensor& ids, std::int64_t bound, const char* fn, const char* what) {
  require(ids.dim() == 2 && ids.scalar_type() == torch::kInt64, fn,
          std::string(what) + " must be int64 (N, S), got " + shape_of(ids));
  if (ids.numel() == 0) return;
  const std::int64_t lo = ids.min().item<std::int64_t>(), hi = ids.max().item<std::int64_t>();
  require(lo >= 0 && hi < bound, fn,
          std::string(what) + " out of range: [" + std::to_string(lo) + ", " + std::to_string(hi) +
              "] not in [0, " + std::to_string(bound) + ")");
}

}  // namespace

TransformerEncoder::TransformerEncoder(const TransformerConfig& c) : c_(c) {
  validate(c_);
  const std::int64_t V = c_.vocab, E = c_.embedding, H = c_.hidden;
  const auto norm = [&](std::int64_t width) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(c_.layer_norm_eps));
  };
  word_ = register_module("word_embeddings", torch::nn::Embedding(V, E));
  position_ = register_module("position_embeddings", torch::nn::Embedding(c_.max_positions, E));
  segment_ = register_module("segment_embeddings", torch::nn::Embedding(c_.type_vocab, E));
  embedding_norm_ = register_module("embedding_norm", norm(E));
  if (c_.factorized()) {
    projection_ = register_module("embedding_projection", torch::nn::Linear(E, H));
  }
  if (c_.share_layers) {
    auto block = register_module("shared_layer", std::make_shared<EncoderBlock>(c_));
    layers_.assign(static_cast<std::size_t>(c_.layers), block);
  } else {
    auto list = register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < c_.layers; ++i) {
      layers_.push_back(std::make_shared<EncoderBlock>(c_));
      list->push_back(layers_.back());
    }
  }
  if (c_.pre_ln) final_norm_ = register_module("final_norm", norm(H));
  if (c_.labels > 0) {
    pooler_ = register_module("pooler", torch::nn::Linear(H, H));
    classifier_ = register_module("classifier", torch::nn::Linear(H, c_.labels));
  }
  if (c_.mlm_head) {
    mlm_transform_ = register_module("mlm_transform", torch::nn::Linear(H, E));
    mlm_norm_ = register_module("mlm_norm", norm(E));
    mlm_bias_ = register_parameter("mlm_bias", torch::zeros({V}));
  }
}

torch::Tensor TransformerEncoder::token_embeddings(const torch::Tensor& ids) {
  check_ids(ids, c_.vocab, "token_embeddings", "token ids");
  return word_->forward(ids);
}

torch::Tensor TransformerEncoder::encode(const torch::Tensor& token_embeds,
                                         const torch::Tensor& segments,
                                         const torch::Tensor& attention_mask) {
  require(token_embeds.dim() == 3 && token_embeds.size(2) == c_.embedding &&
              token_embeds.scalar_type() == torch::kFloat32,
          "encode",
          "token embeddings must be float32 (N, S, " + std::to_string(c_.embedding) + "), got " +
              shape_of(token_embeds));
  const std::int64_t N = token_embeds.size(0), S = token_embeds.size(1);
  require(S >= 1 && S <= c_.max_positions, "encode",
          "sequence length " + std::to_string(S) +
              " not in [1, max_positions = " + std::to_string(c_.max_positions) + "]");
  torch::Tensor h = token_embeds + position_->forward(torch::arange(S, torch::kInt64));
  if (segments.defined()) {
    check_ids(segments, c_.type_vocab, "encode", "segment ids");
    require(
        segments.size(0) == N && segments.size(1) == S, "encode",
        "segment ids " + shape_of(segments) + " do not match the tokens " + shape_of(token_embeds));
    h = h + segment_->forward(segments);
  } else {
    h = h + segment_->weight[0];
  }
  h = dropout_.apply(embedding_norm_->forward(h), c_.hidden_dropout, is_training());
  if (projection_) h = projection_->forward(h);

  torch::Tensor pad;
  if (attention_mask.defined()) {
    require(attention_mask.dim() == 2 && attention_mask.size(0) == N && attention_mask.size(1) == S,
            "encode",
            "attention mask " + shape_of(attention_mask) + " does not match the tokens " +
                shape_of(token_embeds));
    pad = attention_mask == 0;
  } else {
    pad = torch::zeros({N, S}, torch::kBool);
  }
  for (auto& layer : layers_) h = layer->forward(h, pad, dropout_);
  if (final_norm_) h = final_norm_->forward(h);
  return h;
}

torch::Tensor TransformerEncoder::classify(const torch::Tensor& sequence_output) {
  require(static_cast<bool>(classifier_), "classify", "the model has no head (labels = 0)");
  require(sequence_output.dim() == 3 && sequence_output.size(2) == c_.hidden, "classify",
          "sequence output must be (N, S, " + std::to_string(c_.hidden) + "), got " +
              shape_of(sequence_output));
  torch::Tensor pooled = torch::tanh(pooler_->forward(sequence_output.select(1, 0)));
  return classifier_->forward(dropout_.apply(pooled, c_.hidden_dropout, is_training()));
}

torch::Tensor TransformerEncoder::mlm_logits(const torch::Tensor& hidden) {
  require(mlm_bias_.defined(), "mlm_logits", "the model has no MLM head (mlm_head = false)");
  require(
      hidden.dim() >= 1 && hidden.size(-1) == c_.hidden, "mlm_logits",
      "hidden states must be (..., " + std::to_string(c_.hidden) + "), got " + shape_of(hidden));
  torch::Tensor h = mlm_norm_->forward(torch::gelu(mlm_transform_->forward(hidden)));
  // Tied decoder: h W^T + b with W the word-embedding matrix itself (V, E).
  return torch::nn::functional::linear(h, word_->weight, mlm_bias_);
}

}  // namespace dcopt::train
