#pragma once
// A worker's text network as pretrain, finetune and sharpness use it: the encoder built from a
// TransformerConfig, its parameters in flat buffers (FlatParameters) initialized from the run's
// seed (text_parameter_init.hpp: the same numbers on every worker), optionally overwritten by a
// model file's weights (text_model_file.hpp), and the files a run leaves behind: model.bin and
// tokenizer.model (the SentencePiece model proto of the run's token file, byte for byte).
#include <memory>
#include <string>
#include <vector>

#include "dcopt/data/token_file.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/models/transformer_encoder.hpp"
#include "dcopt/train/text_model_file.hpp"
#include "dcopt/train/train_task.hpp"

namespace dcopt::train {

class TextModel {
 public:
  /// validate(config) (InvalidArgument); the network in train() mode.
  TextModel(const TransformerConfig& config, std::uint64_t seed);

  TransformerEncoder& net() { return *net_; }
  const TransformerEncoder& net() const { return *net_; }
  FlatParameters& flat() { return flat_; }
  const FlatParameters& flat() const { return flat_; }

  /// model.bin (these weights, this architecture, the tokens' tokenizer fingerprint) and
  /// tokenizer.model.
  std::vector<TaskArtifact> artifacts(const TokenBundle& tokens) const;

 private:
  std::shared_ptr<TransformerEncoder> net_;
  FlatParameters flat_;
};

}  // namespace dcopt::train
