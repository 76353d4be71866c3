#include "dcopt/data/libsvm_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

const std::string kData = DCOPT_SHARED_DATA;

// Returns the DataError message of parsing `text`, or fails the test if it parses.
std::string error_of(std::string_view text, const LibsvmOptions& options = {}) {
  try {
    parse_libsvm(text, "<string>", options);
  } catch (const DataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parsed without error: " << text;
  return "";
}

TEST(LibsvmReader, ParsesEdgeCases) {
  const std::string text =
      "# header comment\n"
      "+1 1:0.5 3:-2e-1   # trailing comment\n"
      "\n"
      "   \t\n"
      "-1\t2:+3 10:1.\r\n"
      "-1\n"       // a sample with no non-zero feature
      "+1 4:1e3";  // no final newline
  LibsvmOptions opt;
  opt.binary = false;
  Dataset ds = parse_libsvm(text, "<string>", opt);
  ds.check();
  ASSERT_EQ(ds.num_rows(), 4u);
  EXPECT_EQ(ds.num_features, 10u);
  EXPECT_EQ(ds.nnz(), 5u);
  EXPECT_EQ(ds.labels, (std::vector<double>{1, -1, -1, 1}));
  EXPECT_EQ(ds.row_ptr, (std::vector<std::uint64_t>{0, 2, 4, 4, 5}));
  EXPECT_EQ(ds.col_idx, (std::vector<std::uint32_t>{0, 2, 1, 9, 3}));
  EXPECT_EQ(ds.values, (std::vector<double>{0.5, -0.2, 3.0, 1.0, 1000.0}));
}

TEST(LibsvmReader, EmptyInputIsEmptyDataset) {
  Dataset ds = parse_libsvm("# nothing\n\n", "<string>");
  EXPECT_EQ(ds.num_rows(), 0u);
  EXPECT_EQ(ds.num_features, 0u);
}

TEST(LibsvmReader, BinaryLabelMappings) {
  const std::map<std::string, std::vector<double>> cases = {
      {"-1 1:1\n+1 1:1\n-1 2:1\n", {-1, 1, -1}},
      {"0 1:1\n1 1:1\n1 2:1\n", {-1, 1, 1}},
      {"2 1:1\n1 1:1\n2 2:1\n", {1, -1, 1}},
      {"7.5 1:1\n-3 1:1\n", {1, -1}},
      {"1 1:1\n1 1:1\n", {1, 1}},  // one class: +1 stays +1
      {"0 1:1\n", {-1}},           // one class: 0 reads as the negative class
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(parse_libsvm(text, "<string>").labels, want) << text;
  }
  LibsvmOptions keep;
  keep.binary = false;
  EXPECT_EQ(parse_libsvm("2 1:1\n1 1:1\n5 1:1\n", "<string>", keep).labels,
            (std::vector<double>{2, 1, 5}));
  EXPECT_THAT(error_of("2 1:1\n2 1:1\n"), HasSubstr("does not name a class"));
}

TEST(LibsvmReader, FixedDimension) {
  LibsvmOptions opt;
  opt.dim = 20;
  Dataset ds = parse_libsvm("1 3:1\n-1 20:2\n", "<string>", opt);
  EXPECT_EQ(ds.num_features, 20u);
  // Without dim the width is the largest index seen.
  EXPECT_EQ(parse_libsvm("1 3:1\n-1 7:2\n", "<string>").num_features, 7u);
  opt.dim = 5;
  const std::string msg = error_of("1 3:1\n-1 2:1 6:2\n", opt);
  EXPECT_THAT(msg, HasSubstr("<string>:2:8:"));
  EXPECT_THAT(msg, HasSubstr("6 exceeds the dimension 5"));
}

struct Malformed {
  const char* text;
  const char* where;  // "<string>:LINE:COLUMN:"
  const char* what;   // a phrase the message must contain
};

TEST(LibsvmReader, MalformedInputNamesLineAndColumn) {
  const Malformed cases[] = {
      {"1 1:1\n-1 0:1\n", "<string>:2:4:", "feature index 0"},
      {"1 3:1 2:1\n", "<string>:1:7:", "after 3"},
      {"1 3:1 3:1\n", "<string>:1:7:", "repeated"},
      {"abc 1:1\n", "<string>:1:1:", "invalid label 'abc'"},
      {"1 1:x\n", "<string>:1:5:", "invalid value 'x'"},
      {"1 1:1 5\n", "<string>:1:7:", "has no ':'"},
      {"1:1 2:1\n", "<string>:1:1:", "missing label"},
      {"1 1:1\n-1 4:\n", "<string>:2:6:", "missing value"},
      {"1 1:1\n-1 4", "<string>:2:4:", "has no ':'"},  // file cut mid-token
      {"1 2:nan\n", "<string>:1:5:", "not finite"},
      {"1 2:-inf\n", "<string>:1:5:", "not finite"},
      {"inf 2:1\n", "<string>:1:1:", "not finite"},
      {"1 a:1\n", "<string>:1:3:", "invalid feature index 'a'"},
      {"1 -2:1\n", "<string>:1:3:", "invalid feature index '-2'"},
      {"1 :1\n", "<string>:1:3:", "invalid feature index ''"},
      {"1 qid:3 1:1\n", "<string>:1:3:", "qid"},
      {"1 1:1\n-1 1:1\n\n# c\n2 1:1\n", "<string>:5:1:", "third distinct label 2"},
      {"1 1:1 2:1e999\n", "<string>:1:9:", "invalid value"},  // overflows a double
      {"++1 1:1\n", "<string>:1:1:", "invalid label"},
  };
  for (const Malformed& c : cases) {
    const std::string msg = error_of(c.text);
    EXPECT_THAT(msg, HasSubstr(c.where)) << c.text;
    EXPECT_THAT(msg, HasSubstr(c.what)) << c.text;
    EXPECT_THAT(msg, HasSubstr("expected")) << c.text;
  }
}

TEST(LibsvmReader, MissingFileIsDataError) {
  EXPECT_THROW(read_libsvm(kData + "/libsvm/no_such_file"), DataError);
}

nlohmann::json manifest_entry(const std::string& file) {
  std::ifstream in(kData + "/MANIFEST.json");
  const nlohmann::json manifest = nlohmann::json::parse(in);
  for (const auto& e : manifest) {
    if (e.at("file") == file) return e;
  }
  ADD_FAILURE() << file << " not in MANIFEST.json";
  return {};
}

struct RealFile {
  const char* file;
  std::size_t rows;
  std::size_t features;
};

TEST(LibsvmReader, RealFilesMatchManifest) {
  const RealFile files[] = {{"libsvm/mushrooms", 8124, 112},
                            {"libsvm/w8a", 49749, 300},
                            {"libsvm/a9a", 32561, 123},
                            {"libsvm/phishing", 11055, 68}};
  for (const RealFile& f : files) {
    SCOPED_TRACE(f.file);
    const nlohmann::json entry = manifest_entry(f.file);
    const Dataset ds = read_libsvm(kData + "/" + f.file);
    ds.check();
    EXPECT_EQ(ds.num_rows(), f.rows);
    EXPECT_EQ(ds.num_rows(), entry.at("rows").get<std::size_t>());
    EXPECT_EQ(ds.num_features, f.features);
    EXPECT_EQ(ds.num_features, entry.at("max_feature_index").get<std::size_t>());
    EXPECT_EQ(ds.nnz(), entry.at("nnz").get<std::size_t>());
    // The manifest's label counts, smaller label -> -1 after the binary mapping.
    std::map<double, std::size_t> want;
    for (const auto& [label, count] : entry.at("labels").items()) {
      want[std::stod(label)] = count.get<std::size_t>();
    }
    ASSERT_EQ(want.size(), 2u);
    std::size_t neg = 0, pos = 0;
    for (double y : ds.labels) (y == -1.0 ? neg : pos) += (y == -1.0 || y == 1.0) ? 1 : 0;
    EXPECT_EQ(neg, want.begin()->second);
    EXPECT_EQ(pos, want.rbegin()->second);
    EXPECT_EQ(neg + pos, ds.num_rows());
  }
}

TEST(LibsvmReader, TrainAndTestShareWidthWithDim) {
  LibsvmOptions opt;
  opt.dim = 123;
  const Dataset train = read_libsvm(kData + "/libsvm/a9a", opt);
  const Dataset test = read_libsvm(kData + "/libsvm/a9a.t", opt);
  EXPECT_EQ(train.num_features, 123u);
  EXPECT_EQ(test.num_features, 123u);  // a9a.t's largest index is 122
  EXPECT_EQ(test.num_rows(), 16281u);
}

TEST(LibsvmReader, ReadsW8aFast) {
  // Budget 1 s even in Debug/sanitizer builds; Release takes a few tens of ms. The point is to
  // catch an accidental per-token iostream/regex parser (several seconds).
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset ds = read_libsvm(kData + "/libsvm/w8a");
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  RecordProperty("w8a_read_seconds", std::to_string(secs));
  std::printf("w8a read in %.4f s\n", secs);
  EXPECT_EQ(ds.num_rows(), 49749u);
  EXPECT_LT(secs, 1.0);
}

}  // namespace
}  // namespace dcopt
