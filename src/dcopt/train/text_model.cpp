#include "dcopt/train/text_model.hpp"

#include "dcopt/train/text_parameter_init.hpp"

namespace dcopt::train {

TextModel::TextModel(const TransformerConfig& config, std::uint64_t seed)
    : net_(std::make_shared<TransformerEncoder>(config)), flat_(*net_) {
  init_text_parameters(*net_, flat_, seed);
  net_->train();
}

std::vector<TaskArtifact> TextModel::artifacts(const TokenBundle& tokens) const {
  TextModelFile m;
  m.config = net_->config();
  m.tokenizer_fingerprint = tokens.tokenizer_fingerprint;
  m.layout = flat_.layout();
  m.params.assign(flat_.params().begin(), flat_.params().end());
  return {{"model.bin", encode_text_model(m)}, {"tokenizer.model", tokens.tokenizer_bytes}};
}

}  // namespace dcopt::train
