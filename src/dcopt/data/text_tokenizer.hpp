#pragma once
// A SentencePiece subword tokenizer (Debian libsentencepiece), trained on the caller's sentences
// in memory and carried by checkpoints as the bytes of its model proto.
//
// Special pieces at fixed ids in every model (control symbols: encode() never produces them from
// text, so a sentence that literally contains "[SEP]" is tokenized as characters, not as a
// separator; the batcher and the masker insert them):
//   0 [PAD]   padding (attention mask 0)
//   1 [UNK]   a character outside the model's alphabet
//   2 [CLS]   first token of every row; its final hidden state is the pooled output
//   3 [SEP]   after sentence a and after sentence b
//   4 [MASK]  a masked-language-model prediction position
// Ordinary pieces have ids kNumSpecialIds .. vocab_size() - 1.
//
// Training is deterministic: the same sentences and options give byte-identical model bytes,
// because SentencePiece is run single-threaded on all sentences (no sampling of the input). Its
// log output is silenced. The text is normalized by SentencePiece's NFKC rule (`nmt_nfkc`,
// white space runs collapsed) or, with lowercase = true, NFKC with case folding (`nmt_nfkc_cf`).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace dcopt {

inline constexpr std::int32_t kPadId = 0;
inline constexpr std::int32_t kUnkId = 1;
inline constexpr std::int32_t kClsId = 2;
inline constexpr std::int32_t kSepId = 3;
inline constexpr std::int32_t kMaskId = 4;
/// Ids below this are the special pieces above.
inline constexpr std::int32_t kNumSpecialIds = 5;

enum class TokenizerModel { unigram, bpe };

struct TokenizerTrainOptions {
  TokenizerModel model = TokenizerModel::unigram;
  /// Pieces in the model, the 5 specials included; at least kNumSpecialIds + 1. An upper bound:
  /// a corpus too small for it gives fewer pieces (vocab_size() tells how many).
  std::size_t vocab_size = 8000;
  bool lowercase = false;  ///< case-fold while normalizing (SST-2 is already lowercase)
  /// Fraction of the corpus's characters the alphabet covers (SentencePiece's
  /// character_coverage); the rarest characters outside it encode as [UNK]. In (0, 1].
  double character_coverage = 0.9995;
};

/// Immutable once built; copies share the model. encode() is const and SentencePiece's encoders
/// keep no mutable state, so several threads may encode with one tokenizer.
class TextTokenizer {
 public:
  /// Trains a model on `sentences` (UTF-8; empty ones are ignored by SentencePiece). Throws
  /// InvalidArgument for bad options, no non-empty sentence, or a training failure (with
  /// SentencePiece's reason).
  static TextTokenizer train(std::span<const std::string> sentences,
                             const TokenizerTrainOptions& options);

  /// Loads the model proto bytes of bytes(). `source` names them in messages (a checkpoint's
  /// path). Throws DataError if they are not a model proto, or a model without dcopt's special
  /// pieces at their ids.
  static TextTokenizer from_bytes(std::string_view model_bytes, std::string_view source);

  /// The serialized SentencePiece model proto, exactly as trained or loaded.
  const std::string& bytes() const { return *bytes_; }
  /// FNV-1a 64 of bytes(): a checkpoint stores it to detect a tokenizer that does not match.
  std::uint64_t fingerprint() const { return fingerprint_; }

  /// Number of pieces (ids are 0 .. vocab_size() - 1), specials included.
  std::size_t vocab_size() const;
  /// Piece ids of `text`, without specials (never a control id; [UNK] for unknown characters).
  std::vector<std::int32_t> encode(std::string_view text) const;
  /// Same, appending to `out`.
  void encode(std::string_view text, std::vector<std::int32_t>& out) const;
  /// The piece of `id` ("▁the", "[CLS]"), for debugging. Throws InvalidArgument out of range.
  std::string id_to_piece(std::int32_t id) const;
  /// The text of `ids` (specials dropped), for debugging.
  std::string decode(std::span<const std::int32_t> ids) const;

 private:
  TextTokenizer(std::shared_ptr<const std::string> bytes,
                std::shared_ptr<const sentencepiece::SentencePieceProcessor> processor);

  std::shared_ptr<const std::string> bytes_;
  std::shared_ptr<const sentencepiece::SentencePieceProcessor> processor_;
  std::uint64_t fingerprint_ = 0;
};

}  // namespace dcopt
