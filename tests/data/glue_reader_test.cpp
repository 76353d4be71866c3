#include "dcopt/data/glue_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/data/glue_task.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

const std::string kGlue = std::string(DCOPT_SHARED_DATA) + "/glue";

// `wc -l` of a file: its newline count.
std::size_t line_count(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

template <class E = DataError>
std::string error_of(std::string_view text, const GlueTask& task,
                     const GlueReadOptions& options = {}) {
  try {
    parse_glue_tsv(text, "<t>", task, options);
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "parsed without the expected error: " << text;
  return "";
}

TEST(GlueReader, Sst2TrainAndDevRowCountsAndSpotCheck) {
  const std::string train = kGlue + "/SST-2/train.tsv";
  const TextDataset ds = read_glue_tsv(train, glue_task("sst2"));
  ASSERT_EQ(ds.size(), line_count(train) - 1);
  EXPECT_EQ(ds.size(), 67349u);  // MANIFEST.json rows_excl_header
  EXPECT_TRUE(ds.labeled);
  EXPECT_FALSE(ds.is_pair());
  ASSERT_EQ(ds.label_ids.size(), ds.size());
  EXPECT_TRUE(ds.targets.empty());
  EXPECT_EQ(ds.a[0], "hide new secretions from the parental units ");  // trailing space kept
  EXPECT_EQ(ds.label_ids[0], 0);
  EXPECT_EQ(ds.a[2],
            "that loves its characters and communicates something rather beautiful about human "
            "nature ");
  EXPECT_EQ(ds.label_ids[2], 1);
  // Label balance as counted by awk over column 2.
  EXPECT_EQ(std::count(ds.label_ids.begin(), ds.label_ids.end(), 1), 37569);

  const std::string dev = kGlue + "/SST-2/dev.tsv";
  EXPECT_EQ(read_glue_tsv(dev, glue_task("SST-2")).size(), line_count(dev) - 1);
}

TEST(GlueReader, MrpcBomQuotesAndPairs) {
  const std::string train = kGlue + "/MRPC/train.tsv";
  const TextDataset ds = read_glue_tsv(train, glue_task("mrpc"));
  ASSERT_EQ(ds.size(), line_count(train) - 1);
  EXPECT_EQ(ds.size(), 3668u);
  ASSERT_TRUE(ds.is_pair());
  EXPECT_TRUE(ds.labeled);
  // The header's first column is "\xEF\xBB\xBFQuality" in the bytes: found as "Quality" only
  // because the BOM is dropped.
  EXPECT_EQ(ds.a[0],
            "Amrozi accused his brother, whom he called \"the witness\", of deliberately "
            "distorting his evidence.");
  EXPECT_EQ(ds.b[0],
            "Referring to him as only \"the witness\", Amrozi accused his brother of deliberately "
            "distorting his evidence.");
  EXPECT_EQ(ds.label_ids[0], 1);
  EXPECT_EQ(ds.label_ids[1], 0);
  EXPECT_EQ(std::count(ds.label_ids.begin(), ds.label_ids.end(), 1), 2474);
  const std::string dev = kGlue + "/MRPC/dev.tsv";
  EXPECT_EQ(read_glue_tsv(dev, glue_task("mrpc")).size(), line_count(dev) - 1);
}

TEST(GlueReader, MrpcUnlabeledTestFileIsDetected) {
  const std::string test = kGlue + "/MRPC/test.tsv";
  const TextDataset ds = read_glue_tsv(test, glue_task("mrpc"));
  EXPECT_FALSE(ds.labeled);
  EXPECT_TRUE(ds.label_ids.empty());
  ASSERT_EQ(ds.size(), line_count(test) - 1);
  EXPECT_EQ(ds.size(), 1725u);
  EXPECT_EQ(ds.a[0],
            "PCCW's chief operating officer, Mike Butcher, and Alex Arena, the chief financial "
            "officer, will report directly to Mr So.");
  // Forcing the labeled layout on it names the missing label column.
  GlueReadOptions labeled;
  labeled.labels = LabelPresence::labeled;
  try {
    read_glue_tsv(test, glue_task("mrpc"), labeled);
    ADD_FAILURE() << "read an unlabeled file as labeled";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("test.tsv:1: no column 'Quality' in the header ('index'"));
    EXPECT_THAT(e.what(), HasSubstr("read it as unlabeled"));
  }
}

TEST(GlueReader, QnliDevAndTestWithRawQuotes) {
  const std::string dev = kGlue + "/QNLI/dev.tsv";
  const TextDataset ds = read_glue_tsv(dev, glue_task("qnli"));
  ASSERT_EQ(ds.size(), line_count(dev) - 1);
  ASSERT_TRUE(ds.is_pair());
  EXPECT_EQ(ds.a[0], "What came into force after the new constitution was herald?");
  EXPECT_EQ(ds.b[0],
            "As of that day, the new constitution heralding the Second Republic came into force.");
  EXPECT_EQ(ds.label_ids[0], 0);  // entailment
  EXPECT_EQ(ds.label_ids[1], 1);  // not_entailment
  EXPECT_EQ(std::count(ds.label_ids.begin(), ds.label_ids.end(), 0), 2702);
  // Line 155: a quote that a CSV reader would take as the start of a quoted field.
  EXPECT_EQ(ds.a[153],
            "What has given the American economy a tendency to go \"from bubble to bubble\"?");

  const std::string test = kGlue + "/QNLI/test.tsv";
  const TextDataset t = read_glue_tsv(test, glue_task("qnli"));
  EXPECT_FALSE(t.labeled);
  EXPECT_EQ(t.size(), line_count(test) - 1);
  EXPECT_EQ(t.a[0], "What organization is devoted to Jihad against Israel?");
}

TEST(GlueReader, DetectsUnlabeledHeadersOfOtherTasks) {
  // SST-2's and CoLA's test files ("index", "sentence"); CoLA's labeled files have no header.
  const TextDataset sst = parse_glue_tsv("index\tsentence\n0\tfine .\n", "<t>", glue_task("sst2"));
  EXPECT_FALSE(sst.labeled);
  EXPECT_EQ(sst.a, (std::vector<std::string>{"fine ."}));
  const TextDataset cola =
      parse_glue_tsv("index\tsentence\n0\tIt rained.\n", "<t>", glue_task("cola"));
  EXPECT_FALSE(cola.labeled);
  EXPECT_EQ(cola.a, (std::vector<std::string>{"It rained."}));
  const TextDataset train =
      parse_glue_tsv("gj04\t1\t\tOur friends won't buy this.\n", "<t>", glue_task("cola"));
  EXPECT_TRUE(train.labeled);
  EXPECT_EQ(train.a, (std::vector<std::string>{"Our friends won't buy this."}));
  EXPECT_EQ(train.label_ids, (std::vector<std::int32_t>{1}));
  GlueReadOptions u;
  u.labels = LabelPresence::unlabeled;
  EXPECT_FALSE(parse_glue_tsv("sentence\tlabel\nx\t1\n", "<t>", glue_task("sst2"), u).labeled);
}

TEST(GlueReader, MaxRowsTakesAPrefix) {
  GlueReadOptions o;
  o.max_rows = 7;
  const TextDataset ds = read_glue_tsv(kGlue + "/SST-2/train.tsv", glue_task("sst2"), o);
  ASSERT_EQ(ds.size(), 7u);
  EXPECT_EQ(ds.label_ids.size(), 7u);
  EXPECT_EQ(ds.a[0], "hide new secretions from the parental units ");
  // Rows after the prefix are not parsed: a bad row there does not matter.
  o.max_rows = 1;
  EXPECT_EQ(parse_glue_tsv("sentence\tlabel\nok\t1\nbad row\n", "<t>", glue_task("sst2"), o).size(),
            1u);
  o.max_rows = 0;
  EXPECT_THAT(error_of<InvalidArgument>("sentence\tlabel\nok\t1\n", glue_task("sst2"), o),
              HasSubstr("max_rows = 0"));
}

TEST(GlueReader, WrongColumnCountNamesLineAndCounts) {
  const std::string msg = error_of("sentence\tlabel\ngood\t1\nhas\ttwo\ttabs\n", glue_task("sst2"));
  EXPECT_THAT(msg,
              HasSubstr("<t>:3: 3 tab-separated field(s); expected 2 (as the header at line 1)"));
  EXPECT_THAT(error_of("sentence\tlabel\nno label here\n", glue_task("sst2")),
              HasSubstr("<t>:2: 1 tab-separated field(s); expected 2"));
  // CoLA has no header; its layout fixes 4 columns.
  EXPECT_THAT(error_of("src\t1\t\tA sentence.\nsrc\t0\n", glue_task("cola")),
              HasSubstr("<t>:2: 2 tab-separated field(s); expected 4 (the layout of task 'cola')"));
}

TEST(GlueReader, BadLabelNamesTheValidOnes) {
  EXPECT_THAT(error_of("sentence\tlabel\nfine\t1\nnot fine\t2\n", glue_task("sst2")),
              HasSubstr("<t>:3: label '2' in column 'label'; expected one of: 0, 1"));
  EXPECT_THAT(error_of("index\tquestion\tsentence\tlabel\n0\tq?\ts.\tentails\n", glue_task("qnli")),
              HasSubstr("<t>:2: label 'entails' in column 'label'; expected one of: entailment, "
                        "not_entailment"));
  // Regression: a number.
  const std::string h =
      "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\t"
      "sentence2\tscore\n";
  EXPECT_THAT(error_of(h + "0\tg\tf\ty\to\ts1\ts2\tA.\tB.\tfive\n", glue_task("stsb")),
              HasSubstr("<t>:2: target 'five' in column 'score'; expected a finite number"));
  const TextDataset sts =
      parse_glue_tsv(h + "0\tg\tf\ty\to\ts1\ts2\tA.\tB.\t3.800\n", "<t>", glue_task("stsb"));
  ASSERT_EQ(sts.targets.size(), 1u);
  EXPECT_FLOAT_EQ(sts.targets[0], 3.8f);
  EXPECT_TRUE(sts.label_ids.empty());
}

TEST(GlueReader, EmptyFileNoRowsAndMissingFile) {
  EXPECT_THAT(error_of("", glue_task("sst2")), HasSubstr("<t>: empty file"));
  EXPECT_THAT(error_of("\xEF\xBB\xBF\n\n", glue_task("sst2")), HasSubstr("<t>: empty file"));
  EXPECT_THAT(error_of("sentence\tlabel\n", glue_task("sst2")),
              HasSubstr("<t>: no rows after the header line"));
  try {
    read_glue_tsv(kGlue + "/SST-2/no_such.tsv", glue_task("sst2"));
    ADD_FAILURE() << "read a missing file";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot open GLUE TSV file '"));
    EXPECT_THAT(e.what(), HasSubstr("no_such.tsv': No such file or directory"));
  }
}

TEST(GlueReader, HeaderWithoutTheLayoutsColumn) {
  EXPECT_THAT(error_of("text\tlabel\nx\t1\n", glue_task("sst2")),
              HasSubstr("<t>:1: no column 'sentence' in the header ('text', 'label')"));
}

TEST(GlueReader, CrlfBomAndQuotesParse) {
  const TextDataset ds = parse_glue_tsv(
      "\xEF\xBB\xBFsentence\tlabel\r\nsays \"hi\t1\r\nd\t0\r\n\r\n\n", "<t>", glue_task("sst2"));
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds.a[0], "says \"hi");  // an unbalanced quote is a character
  EXPECT_EQ(ds.label_ids, (std::vector<std::int32_t>{1, 0}));
  EXPECT_EQ(ds.a[1], "d");  // no '\r' left
}

TEST(GlueReader, CustomLayoutByPositionAndByName) {
  GlueTask t;
  t.name = "mine";
  t.labeled.header = false;
  t.labeled.a = TsvColumn::at(2);
  t.labeled.label = TsvColumn::at(0);
  t.classes = {"neg", "pos"};
  const TextDataset ds = parse_glue_tsv("pos\tx\tgreat\nneg\ty\tawful\n", "<t>", t);
  EXPECT_EQ(ds.a, (std::vector<std::string>{"great", "awful"}));
  EXPECT_EQ(ds.label_ids, (std::vector<std::int32_t>{1, 0}));

  t.labeled.header = true;
  t.labeled.a = TsvColumn::named("review");
  t.labeled.label = TsvColumn::named("stars");
  t.label_kind = LabelKind::regression;
  t.classes.clear();
  const TextDataset r = parse_glue_tsv("stars\treview\n4.5\tok\n", "<t>", t);
  EXPECT_EQ(r.a, (std::vector<std::string>{"ok"}));
  EXPECT_EQ(r.targets, (std::vector<float>{4.5f}));

  // A named column in a layout without header is a layout error, before any byte is read.
  t.labeled.header = false;
  EXPECT_THAT(error_of<InvalidArgument>("x\n", t),
              HasSubstr("task 'mine', labeled layout: column 'review' is given by name but the "
                        "layout has no header row"));
}

TEST(GlueReader, InvalidUtf8IsAnErrorWithLineAndColumn) {
  const auto path = std::filesystem::temp_directory_path() / "dcopt_glue_latin1.tsv";
  {
    std::ofstream f(path, std::ios::binary);
    f << "sentence\tlabel\ncaf\xE9 au lait\t1\n";
  }
  try {
    read_glue_tsv(path, glue_task("sst2"));
    ADD_FAILURE() << "read Latin-1 bytes";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("dcopt_glue_latin1.tsv:2:4: invalid UTF-8 (byte 0xE9)"));
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace dcopt
