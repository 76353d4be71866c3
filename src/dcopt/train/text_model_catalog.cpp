#include "dcopt/train/text_model_catalog.hpp"

#include "dcopt/train/models/transformer_encoder.hpp"

namespace dcopt::train {

std::shared_ptr<TextNetwork> make_text_network(const Settings& s, int vocab, int labels) {
  return std::make_shared<TransformerEncoder>(read_transformer_config(s, vocab, labels));
}

}  // namespace dcopt::train
