#include "dcopt/data/text_tokenizer.hpp"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdio>
#include <unordered_map>

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"

namespace dcopt {
namespace {

constexpr const char* kSpecialPieces[kNumSpecialIds] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]",
                                                        "[MASK]"};

// Feeds the caller's sentences to the trainer without copying them into a file.
class SpanSentences : public sentencepiece::SentenceIterator {
 public:
  explicit SpanSentences(std::span<const std::string> s) : s_(s) {}
  bool done() const override { return i_ >= s_.size(); }
  void Next() override { ++i_; }
  const std::string& value() const override { return s_[i_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  std::span<const std::string> s_;
  std::size_t i_ = 0;
};

// Empty if the model has dcopt's specials at their ids, else what is wrong.
std::string special_mismatch(const sentencepiece::SentencePieceProcessor& sp) {
  if (sp.GetPieceSize() <= kNumSpecialIds) {
    std::string s = std::to_string(sp.GetPieceSize());
    s += " piece(s); expected more than ";
    s += std::to_string(kNumSpecialIds);
    return s;
  }
  for (int id = 0; id < kNumSpecialIds; ++id) {
    const bool ok = sp.IdToPiece(id) == kSpecialPieces[id] &&
                    (id == kUnkId ? sp.IsUnknown(id) : sp.IsControl(id));
    if (!ok) {
      std::string s = "piece ";
      s += std::to_string(id);
      s += " is '";
      s += sp.IdToPiece(id);
      s += "'; expected the special piece ";
      s += kSpecialPieces[id];
      return s;
    }
  }
  return {};
}

}  // namespace

TextTokenizer::TextTokenizer(std::shared_ptr<const std::string> bytes,
                             std::shared_ptr<const sentencepiece::SentencePieceProcessor> processor)
    : bytes_(std::move(bytes)), processor_(std::move(processor)), fingerprint_(fnv1a64(*bytes_)) {}

TextTokenizer TextTokenizer::train(std::span<const std::string> sentences,
                                   const TokenizerTrainOptions& options) {
  if (options.vocab_size <= static_cast<std::size_t>(kNumSpecialIds)) {
    throw InvalidArgument("tokenizer vocab_size = " + std::to_string(options.vocab_size) +
                          "; expected more than the " + std::to_string(kNumSpecialIds) +
                          " special pieces");
  }
  if (!(options.character_coverage > 0.0 && options.character_coverage <= 1.0)) {
    throw InvalidArgument("tokenizer character_coverage = " +
                          std::to_string(options.character_coverage) + "; expected in (0, 1]");
  }
  bool any = false;
  for (const std::string& s : sentences) any = any || !s.empty();
  if (!any) {
    throw InvalidArgument("no non-empty sentence to train the tokenizer on; expected some text");
  }
  char coverage[32];
  std::snprintf(coverage, sizeof coverage, "%.17g", options.character_coverage);
  const std::unordered_map<std::string, std::string> args = {
      {"model_type", options.model == TokenizerModel::bpe ? "bpe" : "unigram"},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"hard_vocab_limit", "false"},
      {"character_coverage", coverage},
      {"normalization_rule_name", options.lowercase ? "nmt_nfkc_cf" : "nmt_nfkc"},
      // Determinism: one thread, every sentence (no reservoir sampling, which is seeded from
      // std::random_device).
      {"num_threads", "1"},
      {"input_sentence_size", "0"},
      {"shuffle_input_sentence", "false"},
      {"pad_id", "0"},
      {"pad_piece", kSpecialPieces[kPadId]},
      {"unk_id", "1"},
      {"unk_piece", kSpecialPieces[kUnkId]},
      {"bos_id", "-1"},
      {"eos_id", "-1"},
      // Control symbols take the next free ids in order: [CLS]=2, [SEP]=3, [MASK]=4.
      {"control_symbols", "[CLS],[SEP],[MASK]"},
      {"minloglevel", "2"},  // errors only: training otherwise logs every EM step to stderr
  };
  SpanSentences it(sentences);
  auto bytes = std::make_shared<std::string>();
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &it, bytes.get());
  if (!status.ok()) {
    throw InvalidArgument(std::string("training the tokenizer failed: ") + status.ToString());
  }
  TextTokenizer t = from_bytes(*bytes, "<trained tokenizer>");
  return t;
}

TextTokenizer TextTokenizer::from_bytes(std::string_view model_bytes, std::string_view source) {
  auto sp = std::make_shared<sentencepiece::SentencePieceProcessor>();
  const auto status = sp->LoadFromSerializedProto(model_bytes);
  if (!status.ok()) {
    throw DataError(std::string(source) + ": not a SentencePiece tokenizer model (" +
                    std::to_string(model_bytes.size()) + " bytes): " + status.ToString());
  }
  const std::string wrong = special_mismatch(*sp);
  if (!wrong.empty()) {
    throw DataError(std::string(source) + ": not a dcopt tokenizer model: " + wrong);
  }
  return TextTokenizer(std::make_shared<const std::string>(model_bytes), std::move(sp));
}

std::size_t TextTokenizer::vocab_size() const {
  return static_cast<std::size_t>(processor_->GetPieceSize());
}

void TextTokenizer::encode(std::string_view text, std::vector<std::int32_t>& out) const {
  std::vector<int> ids;
  const auto status = processor_->Encode(text, &ids);
  if (!status.ok()) {
    throw DataError(std::string("tokenizer cannot encode ") + std::to_string(text.size()) +
                    "-byte text: " + status.ToString());
  }
  out.insert(out.end(), ids.begin(), ids.end());
}

std::vector<std::int32_t> TextTokenizer::encode(std::string_view text) const {
  std::vector<std::int32_t> out;
  encode(text, out);
  return out;
}

std::string TextTokenizer::id_to_piece(std::int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= vocab_size()) {
    throw InvalidArgument("token id " + std::to_string(id) + " out of range; expected 0.." +
                          std::to_string(vocab_size() - 1));
  }
  return processor_->IdToPiece(id);
}

std::string TextTokenizer::decode(std::span<const std::int32_t> ids) const {
  std::vector<int> v;
  v.reserve(ids.size());
  for (std::int32_t id : ids) {
    if (id < kNumSpecialIds) continue;
    if (static_cast<std::size_t>(id) >= vocab_size()) {
      throw InvalidArgument("token id " + std::to_string(id) + " out of range; expected 0.." +
                            std::to_string(vocab_size() - 1));
    }
    v.push_back(id);
  }
  std::string text;
  const auto status = processor_->Decode(v, &text);
  if (!status.ok()) throw DataError("tokenizer cannot decode ids: " + status.ToString());
  return text;
}

}  // namespace dcopt
