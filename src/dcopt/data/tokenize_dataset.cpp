// tokenize_dataset (declared in text_batch.hpp) in its own translation unit: the batching code
// then does not pull the SentencePiece tokenizer into a program that only batches token ids.
// That matters in the torch layer: libsentencepiece.so.0 (Debian) carries its own protobuf-lite
// 3.14 and exports its symbols, libtorch links libprotobuf 3.21, and one process holding both
// crashes at load or at SentencePiece's first use (see tests/train/text_mlm_oracle_test.cpp).
#include <string>

#include "dcopt/data/text_batch.hpp"
#include "dcopt/data/text_tokenizer.hpp"

namespace dcopt {

TokenizedDataset tokenize_dataset(const TextDataset& data, const TextTokenizer& tokenizer) {
  TokenizedDataset out;
  out.labeled = data.labeled;
  out.label_ids = data.label_ids;
  out.targets = data.targets;
  out.tokenizer_fingerprint = tokenizer.fingerprint();
  out.vocab_size = tokenizer.vocab_size();
  std::vector<std::int32_t> ids;
  out.a.offsets.reserve(data.a.size() + 1);
  for (const std::string& s : data.a) {
    ids.clear();
    tokenizer.encode(s, ids);
    out.a.push_back(ids);
  }
  out.b.offsets.reserve(data.b.size() + 1);
  for (const std::string& s : data.b) {
    ids.clear();
    tokenizer.encode(s, ids);
    out.b.push_back(ids);
  }
  return out;
}

}  // namespace dcopt
