#include "dcopt/data/text_corpus.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dcopt/core/error.hpp"
#include "dcopt/data/glue_reader.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

TEST(TextCorpus, LinesSkipEmptyAndBlank) {
  const TextCorpus c = parse_text_corpus(
      "\xEF\xBB\xBF"
      "first line\r\n\n  \t\nsecond\n\nthird",
      "<t>");
  EXPECT_EQ(c.sentences, (std::vector<std::string>{"first line", "second", "third"}));
  TextCorpusOptions o;
  o.max_sentences = 2;
  EXPECT_EQ(parse_text_corpus("a\n\nb\nc\n", "<t>", o).sentences,
            (std::vector<std::string>{"a", "b"}));
  const TextDataset d = c.as_dataset();
  EXPECT_EQ(d.a, c.sentences);
  EXPECT_FALSE(d.labeled);
  EXPECT_FALSE(d.is_pair());
}

TEST(TextCorpus, EmptyCorpusAndMissingFile) {
  try {
    parse_text_corpus("\n \n\r\n", "notes.txt");
    ADD_FAILURE() << "an empty corpus";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("notes.txt: no sentence"));
  }
  try {
    read_text_corpus("/nonexistent/corpus.txt");
    ADD_FAILURE() << "a missing file";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot open text corpus file '/nonexistent/corpus.txt'"));
  }
}

TEST(TextCorpus, FileRoundTrip) {
  const auto path = std::filesystem::temp_directory_path() / "dcopt_text_corpus_test.txt";
  {
    std::ofstream f(path, std::ios::binary);
    f << "Ein Satz mit \xC3\xA4.\n\nAnother.\n";
  }
  EXPECT_EQ(read_text_corpus(path).sentences,
            (std::vector<std::string>{"Ein Satz mit \xC3\xA4.", "Another."}));
  {
    std::ofstream f(path, std::ios::binary);
    f << "ok\n\xED\xA0\x80 surrogate\n";  // CESU-style surrogate: not UTF-8
  }
  try {
    read_text_corpus(path);
    ADD_FAILURE() << "read a surrogate";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr(":2:1: invalid UTF-8 (byte 0xED)"));
  }
  std::filesystem::remove(path);
}

TEST(TextCorpus, SentencesOfAGlueFile) {
  GlueReadOptions o;
  o.max_rows = 3;
  const TextDataset mrpc =
      read_glue_tsv(std::string(DCOPT_SHARED_DATA) + "/glue/MRPC/train.tsv", glue_task("mrpc"), o);
  const TextCorpus c = corpus_from_glue(mrpc);
  ASSERT_EQ(c.sentences.size(), 6u);
  EXPECT_EQ(c.sentences[0], mrpc.a[0]);
  EXPECT_EQ(c.sentences[1], mrpc.b[0]);
  EXPECT_EQ(c.sentences[5], mrpc.b[2]);
  TextDataset d;
  d.a = {"x", " ", "y"};
  EXPECT_EQ(corpus_from_glue(d).sentences, (std::vector<std::string>{"x", "y"}));
  TextCorpusOptions one;
  one.max_sentences = 1;
  EXPECT_EQ(corpus_from_glue(mrpc, one).sentences.size(), 1u);
}

}  // namespace
}  // namespace dcopt
