// The memory check before a run allocates (docs/RELIABILITY.md): a LibSVM file whose largest
// index implies a huge dimension is refused with the index, the file, the memory and the keys
// to change, not with std::bad_alloc; [problem] max_memory caps what a run may use.
#include "dcopt/experiment/memory_budget.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "dcopt/core/error.hpp"
#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::dcopt_binary;
using testing::run_command;

fs::path temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "dcopt_memory_test_XXXXXX").string();
  return ::mkdtemp(tmpl.data()) ? fs::path(tmpl) : fs::path();
}

std::string config(const fs::path& data, const std::string& extra) {
  std::string s = "name = \"m\"\nseed = 1\nworkers = 2\n[problem]\nkind = \"logistic\"\ndata = \"";
  s += data.string();
  s += "\"\n";
  s += extra;
  s += "[stop]\nmax_rounds = 5\n[[method]]\nname = \"gd\"\n[output]\nplots = false\n";
  return s;
}

// Under a 4 GB allocation limit (so that the test cannot take the machine's memory even if the
// check were missing), index 2,000,000,000 in a two-row file: 16 vectors x 8 bytes x 2e9 x 2
// workers = 512 GB.
TEST(MemoryBudget, AHugeFeatureIndexIsRefusedNamingIndexFileMemoryAndKey) {
  const fs::path dir = temp_dir();
  ASSERT_FALSE(dir.empty());
  const fs::path data = dir / "huge.svm";
  std::ofstream(data) << "-1 1:0.5 2000000000:1\n+1 3:1\n";
  std::ofstream(dir / "huge.toml") << config(data, "");
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of address space for its shadow memory, so an
  // address-space limit cannot be used; its allocator's own cap is the same guard (an
  // allocation above 4 GB fails with bad_alloc, which the test would see).
  const std::string guard =
      "ASAN_OPTIONS=detect_leaks=0:max_allocation_size_mb=4000:allocator_may_return_null=1 ";
#else
  const std::string guard = "ulimit -v 4000000; ";
#endif
  const CommandResult r =
      run_command("sh -c '" + guard + dcopt_binary() + " run " + (dir / "huge.toml").string() +
                  " --quiet --out " + (dir / "out").string() + "'");
  fs::remove_all(dir);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.find("bad_alloc"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(data.string() + ": the largest feature index is 2000000000"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the run needs about 512 GB"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("are available"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(".dim"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(".max_memory"), std::string::npos) << r.err;
}

// A small file runs; the same file with max_memory below its need is refused, naming the cap.
TEST(MemoryBudget, MaxMemoryCapsWhatARunMayUse) {
  const fs::path dir = temp_dir();
  ASSERT_FALSE(dir.empty());
  const fs::path data = dir / "small.svm";
  std::ofstream(data) << "-1 1:0.5 1000:1\n+1 3:1\n-1 2:1\n+1 4:1\n";
  std::ofstream(dir / "ok.toml") << config(data, "max_memory = 1\n");           // 1 GB >> 256 KB
  std::ofstream(dir / "capped.toml") << config(data, "max_memory = 0.0001\n");  // 100 KB
  const CommandResult ok = run_command(dcopt_binary() + " run " + (dir / "ok.toml").string() +
                                       " --quiet --out " + (dir / "out").string());
  const CommandResult capped =
      run_command(dcopt_binary() + " run " + (dir / "capped.toml").string() + " --quiet --out " +
                  (dir / "out2").string());
  fs::remove_all(dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(capped.exit_code, 2) << capped.err;
  EXPECT_NE(capped.err.find("more than max_memory = 0.0001 (GB)"), std::string::npos) << capped.err;
}

TEST(MemoryBudget, TheEstimateSaturatesInsteadOfOverflowing) {
  EXPECT_EQ(run_memory_bytes(1000, 4), 1000u * 8u * kVectorsPerWorker * 4u);
  EXPECT_EQ(run_memory_bytes(std::uint64_t{1} << 62, 64), UINT64_MAX);
  EXPECT_THROW(check_memory(UINT64_MAX, std::nullopt, "x", "y"), InvalidArgument);
  EXPECT_NO_THROW(check_memory(1024, std::nullopt, "x", "y"));
}

}  // namespace
}  // namespace dcopt
