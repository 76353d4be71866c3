#pragma once
// model.bin: the trained text model `dcopt pretrain` and `dcopt finetune` leave in their output
// directory (next to tokenizer.model), and what `dcopt finetune` starts from and `dcopt
// sharpness` measures. One StateWriter record (core/state_io.hpp):
//   "dcopt-text-model" (text), format_version (u64), dcopt_version (text), body (text), fnv1a64
//   of the body (u64: a damaged or truncated file is detected)
// body: every TransformerConfig field (the architecture, so a reader builds the same network),
// the fingerprint of the tokenizer the model was trained with (FNV-1a 64 of its model proto:
// data/token_file.hpp), the parameter layout and the fp32 parameters.
//
// Loading weights into another network (fine-tuning from a pre-trained model): every tensor of
// the new network must be in the file with the same shape, except the task head (`pooler.*` and
// `classifier.*`, freshly initialized: pre-training has no next-sentence objective to train a
// pooler); tensors only in the file (the MLM head) are dropped.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "dcopt/core/param_layout.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/models/transformer_config.hpp"

namespace dcopt::train {

inline constexpr std::uint64_t kTextModelVersion = 1;

struct TextModelFile {
  TransformerConfig config;
  std::uint64_t tokenizer_fingerprint = 0;
  ParamLayout layout;
  std::vector<float> params;  ///< layout.size() entries
};

std::string encode_text_model(const TextModelFile& m);
/// DataError naming `file`: not a model file, another format version, damaged, inconsistent.
TextModelFile decode_text_model(std::string_view bytes, const std::string& file);
/// Reads and decodes `file` (DataError if it cannot be read).
TextModelFile read_text_model(const std::filesystem::path& file);

/// Copies the file's tensors into `flat` by name (see above). DataError naming the file and the
/// first tensor that is missing or has another shape ("a model of another architecture"), or a
/// tokenizer fingerprint other than `tokenizer_fingerprint` ("another tokenizer"). Returns the
/// number of tensors copied.
std::size_t load_pretrained_weights(const TextModelFile& m, const std::string& file,
                                    std::uint64_t tokenizer_fingerprint, FlatParameters& flat);

}  // namespace dcopt::train
