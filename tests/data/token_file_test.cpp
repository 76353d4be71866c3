#include "dcopt/data/token_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TokenSequences sequences(const std::vector<std::vector<std::int32_t>>& seqs) {
  TokenSequences s;
  for (const auto& q : seqs) s.push_back(q);
  return s;
}

// The bytes need not be a SentencePiece model: the token file treats them as opaque.
TokenBundle base_bundle() {
  TokenBundle b;
  b.tokenizer_bytes = std::string("model\0proto bytes", 17);
  b.tokenizer_fingerprint = fnv1a64(b.tokenizer_bytes);
  b.vocab_size = 40;
  return b;
}

TokenizedDataset dataset_of(const TokenBundle& b) {
  TokenizedDataset d;
  d.tokenizer_fingerprint = b.tokenizer_fingerprint;
  d.vocab_size = b.vocab_size;
  return d;
}

TokenBundle pair_bundle() {
  TokenBundle b = base_bundle();
  b.task = "mrpc";
  b.classes = {"0", "1"};
  b.dev_metrics = {"f1", "accuracy"};
  TokenizedDataset train = dataset_of(b);
  train.a = sequences({{5, 6, 7}, {}, {39}});
  train.b = sequences({{8}, {9, 10}, {11, 12, 13}});
  train.labeled = true;
  train.label_ids = {1, 0, 1};
  TokenizedDataset dev = dataset_of(b);
  dev.a = sequences({{20, 21}});
  dev.b = sequences({{22}});
  dev.labeled = true;
  dev.label_ids = {0};
  b.splits = {{"train", train}, {"dev", dev}};
  b.split_sources = {"glue/MRPC/train.tsv", "glue/MRPC/dev.tsv"};
  return b;
}

void expect_same(const TokenizedDataset& x, const TokenizedDataset& y) {
  EXPECT_EQ(x.a.ids, y.a.ids);
  EXPECT_EQ(x.a.offsets, y.a.offsets);
  EXPECT_EQ(x.b.ids, y.b.ids);
  EXPECT_EQ(x.b.offsets, y.b.offsets);
  EXPECT_EQ(x.labeled, y.labeled);
  EXPECT_EQ(x.label_ids, y.label_ids);
  EXPECT_EQ(x.targets, y.targets);
  EXPECT_EQ(x.tokenizer_fingerprint, y.tokenizer_fingerprint);
  EXPECT_EQ(x.vocab_size, y.vocab_size);
}

void expect_same(const TokenBundle& x, const TokenBundle& y) {
  EXPECT_EQ(x.tokenizer_bytes, y.tokenizer_bytes);
  EXPECT_EQ(x.tokenizer_fingerprint, y.tokenizer_fingerprint);
  EXPECT_EQ(x.vocab_size, y.vocab_size);
  EXPECT_EQ(x.task, y.task);
  EXPECT_EQ(x.regression, y.regression);
  EXPECT_EQ(x.classes, y.classes);
  EXPECT_EQ(x.dev_metrics, y.dev_metrics);
  EXPECT_EQ(x.split_sources, y.split_sources);
  ASSERT_EQ(x.splits.size(), y.splits.size());
  for (std::size_t i = 0; i < x.splits.size(); ++i) {
    EXPECT_EQ(x.splits[i].first, y.splits[i].first);
    expect_same(x.splits[i].second, y.splits[i].second);
  }
}

class TokenFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dcopt_token_file_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<char> bytes_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  void put(const fs::path& p, const std::vector<char>& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  // Offset of the payload of the state field `name` (after its head) in a written file: the
  // field's name is followed by a type byte and a one-byte count for the small test bundles.
  std::size_t payload_of(const std::vector<char>& bytes, const std::string& name,
                         std::size_t from = 0) {
    const std::string key = std::string(1, static_cast<char>(name.size())) + name;
    const auto it = std::search(bytes.begin() + static_cast<std::ptrdiff_t>(from), bytes.end(),
                                key.begin(), key.end());
    EXPECT_NE(it, bytes.end()) << name;
    return static_cast<std::size_t>(it - bytes.begin()) + key.size() + 2;
  }
  // Reads `p` expecting a DataError whose message holds the file's path and `what`.
  void expect_data_error(const fs::path& p, const std::string& what) {
    try {
      read_token_file(p);
      ADD_FAILURE() << "read a corrupt token file; expected: " << what;
    } catch (const DataError& e) {
      EXPECT_THAT(e.what(), HasSubstr(p.string()));
      EXPECT_THAT(e.what(), HasSubstr(what));
    }
  }

  fs::path dir_;
};

TEST_F(TokenFile, PairTaskWithLabelsRoundTrips) {
  const TokenBundle b = pair_bundle();
  const fs::path p = dir_ / "tokens.bin";
  write_token_file(p, b);
  const TokenBundle r = read_token_file(p);
  expect_same(r, b);
  EXPECT_TRUE(r.split("train").is_pair());
  EXPECT_EQ(r.split("dev").size(), 1u);
  // Nothing but the file itself is left in the directory (the temporary file was renamed).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
  // Writing again replaces the file.
  TokenBundle c = b;
  c.task = "other";
  write_token_file(p, c);
  EXPECT_EQ(read_token_file(p).task, "other");
}

TEST_F(TokenFile, RegressionTargetsRoundTripBitForBit) {
  TokenBundle b = base_bundle();
  b.task = "stsb";
  b.regression = true;
  b.dev_metrics = {"pearson", "spearman"};
  TokenizedDataset d = dataset_of(b);
  d.a = sequences({{5}, {6, 7}});
  d.b = sequences({{8}, {9}});
  d.labeled = true;
  d.targets = {0.2f, 4.99999f};
  b.splits = {{"dev", d}};
  b.split_sources = {"dev.tsv"};
  const fs::path p = dir_ / "tokens.bin";
  write_token_file(p, b);
  expect_same(read_token_file(p), b);
}

TEST_F(TokenFile, UnlabeledCorpusRoundTrips) {
  TokenBundle b = base_bundle();
  TokenizedDataset train = dataset_of(b);
  train.a = sequences({{5, 6}, {7}, {8, 9, 10}});
  TokenizedDataset eval = dataset_of(b);
  eval.a = sequences({{11}});
  b.splits = {{"train", train}, {"eval", eval}};
  b.split_sources = {"corpus.txt", "corpus.txt"};
  const fs::path p = dir_ / "tokens.bin";
  write_token_file(p, b);
  const TokenBundle r = read_token_file(p);
  expect_same(r, b);
  EXPECT_FALSE(r.split("eval").is_pair());
  EXPECT_FALSE(r.split("eval").labeled);
  try {
    r.split("dev");
    ADD_FAILURE() << "found a split that is not there";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("no split 'dev'; present: 'train', 'eval'"));
  }
}

TEST_F(TokenFile, CorruptionsAreDataErrorsNamingTheProblem) {
  const fs::path good = dir_ / "good.bin";
  write_token_file(good, pair_bundle());
  const std::vector<char> bytes = bytes_of(good);
  const fs::path p = dir_ / "bad.bin";
  auto corrupt = [&](auto edit, const std::string& what) {
    std::vector<char> b = bytes;
    edit(b);
    put(p, b);
    expect_data_error(p, what);
  };

  corrupt([](std::vector<char>& b) { b[0] = 'X'; }, "bad magic");
  corrupt([](std::vector<char>& b) { b.resize(4); }, "bad magic");
  corrupt([&](std::vector<char>& b) { b[payload_of(b, "version")] = 7; }, "unsupported version 7");
  // Every strict prefix is truncated somewhere (cut inside the tokenizer, inside the ids, inside
  // the last field).
  for (std::size_t keep : {std::size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    corrupt([&](std::vector<char>& b) { b.resize(keep); }, "truncated");
  }
  // A flipped byte of the tokenizer model no longer matches the stored fingerprint.
  corrupt([&](std::vector<char>& b) { b[payload_of(b, "tokenizer")] ^= 1; },
          "is not fnv1a64 of the tokenizer bytes");
  // a.offsets of train are 0 3 3 4: make the second 5 (> the third).
  corrupt([&](std::vector<char>& b) { b[payload_of(b, "a.offsets") + 4] = 5; },
          "split 'train': a: offsets not monotone");
  // The first id of train's a (5) becomes 40 = vocab_size.
  corrupt([&](std::vector<char>& b) { b[payload_of(b, "a.ids")] = 40; },
          "split 'train': a: id 40 at position 0 is not below vocab_size 40");
  // The first label of train (1) becomes 2 (two classes).
  corrupt([&](std::vector<char>& b) { b[payload_of(b, "label_ids")] = 2; },
          "split 'train': label 2 of row 0 outside the 2 classes");
  // dev's b.offsets {0, 1} become {0, 0, 1}: two b sequences (the ids still end at 1) for one a.
  corrupt(
      [&](std::vector<char>& b) {
        const std::size_t off = payload_of(b, "b.offsets", payload_of(b, "label_ids"));
        b[off - 1] = 3;
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(off), {0, 0, 0, 0});
      },
      "split 'dev': 2 b sequences for 1 a sequences");
  // Labels vs rows: train's label count 3 -> 2 (and its last label dropped).
  corrupt(
      [&](std::vector<char>& b) {
        const std::size_t at = payload_of(b, "label_ids");
        b[at - 1] = 2;
        b.erase(b.begin() + static_cast<std::ptrdiff_t>(at + 8),
                b.begin() + static_cast<std::ptrdiff_t>(at + 12));
      },
      "split 'train': 2 labels for 3 rows");
  corrupt([](std::vector<char>& b) { b.push_back(0); }, "1 unexpected bytes after the last");

  try {
    read_token_file(dir_ / "missing.bin");
    ADD_FAILURE() << "read a missing file";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot open token file " + (dir_ / "missing.bin").string()));
  }
  // The good file still reads: the corruptions above were of copies.
  EXPECT_NO_THROW(read_token_file(good));
}

TEST_F(TokenFile, FailedWriteLeavesNoFile) {
  const fs::path p = dir_ / "no such dir" / "tokens.bin";
  EXPECT_THROW(write_token_file(p, pair_bundle()), std::runtime_error);
  EXPECT_FALSE(fs::exists(p.parent_path()));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 0);
  // A rename onto a directory fails after the temporary file was written: it is removed.
  const fs::path onto = dir_ / "a directory";
  fs::create_directories(onto / "inside");
  EXPECT_THROW(write_token_file(onto, pair_bundle()), std::runtime_error);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(TokenFile, WriterRejectsAnInconsistentBundle) {
  const fs::path p = dir_ / "tokens.bin";
  TokenBundle b = pair_bundle();
  b.tokenizer_fingerprint ^= 1;
  EXPECT_THROW(write_token_file(p, b), InvalidArgument);
  b = pair_bundle();
  b.splits[1].second.vocab_size = 41;
  try {
    write_token_file(p, b);
    ADD_FAILURE() << "wrote a split of another tokenizer";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("split 'dev': tokenized with another tokenizer"));
  }
  b = pair_bundle();
  b.split_sources.pop_back();
  EXPECT_THROW(write_token_file(p, b), InvalidArgument);
  b = pair_bundle();
  b.splits[1].first = "train";
  EXPECT_THROW(write_token_file(p, b), InvalidArgument);
  b = pair_bundle();
  b.splits[0].second.targets = {1.0f, 2.0f, 3.0f};
  EXPECT_THROW(write_token_file(p, b), InvalidArgument);
  EXPECT_FALSE(fs::exists(p));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 0);
}

}  // namespace
}  // namespace dcopt
