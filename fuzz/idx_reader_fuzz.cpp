// Fuzz target: the IDX reader (data/idx_reader.hpp) on untrusted files, plain or gzip.
// Input: [what: 1 byte: bit 0 labels (idx1) or images (idx3)][the file: the rest]. The reader
// takes a path, so the bytes go to one temporary file per process (in /dev/shm when it exists).
// Promises: the only exception is DataError; accepted images hold count*rows*cols pixels; an
// accepted image file converts, with labels 0..count-1 mod 10 for a one-vs-rest task, to a
// Dataset that passes check().
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/data/idx_reader.hpp"
#include "fuzz_support.hpp"

namespace {

const std::filesystem::path& scratch() {
  static const std::filesystem::path p = [] {
    const std::filesystem::path dir = std::filesystem::is_directory("/dev/shm")
                                          ? "/dev/shm"
                                          : std::filesystem::temp_directory_path();
    std::string name = "dcopt-fuzz-idx-";
    name += std::to_string(::getpid());
    return dir / name;
  }();
  return p;
}

struct RemoveAtExit {
  ~RemoveAtExit() {
    std::error_code ec;
    std::filesystem::remove(scratch(), ec);
  }
} remove_at_exit;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using dcopt::fuzz::broken;
  dcopt::fuzz::InputReader in(data, size);
  const bool labels = (in.byte() & 1) != 0;
  const auto file = in.rest();
  {
    std::FILE* f = std::fopen(scratch().c_str(), "wb");
    if (!f) broken("cannot write the scratch file");
    if (!file.empty() && std::fwrite(file.data(), 1, file.size(), f) != file.size()) {
      broken("cannot write the scratch file");
    }
    std::fclose(f);
  }
  if (labels) {
    dcopt::fuzz::only_throws<dcopt::DataError>("read_idx_labels",
                                               [&] { (void)dcopt::read_idx_labels(scratch()); });
    return 0;
  }
  dcopt::IdxImages images;
  if (!dcopt::fuzz::only_throws<dcopt::DataError>(
          "read_idx_images", [&] { images = dcopt::read_idx_images(scratch()); })) {
    return 0;
  }
  if (images.pixels.size() != images.count * images.rows * images.cols) {
    broken("the pixel count does not match the header");
  }
  if (images.pixels.size() > (1u << 20)) return 0;  // keep each input fast
  std::vector<std::uint8_t> classes(images.count);
  for (std::size_t i = 0; i < classes.size(); ++i) classes[i] = static_cast<std::uint8_t>(i % 10);
  dcopt::Dataset ds;
  dcopt::fuzz::only_throws<dcopt::DataError>(
      "idx_to_dataset",
      [&] {
        ds = dcopt::idx_to_dataset(images, classes, dcopt::IdxBinaryTask{{3}, {}});
      }) ||
      (broken("idx_to_dataset rejects images the reader accepted"), true);
  dcopt::fuzz::only_throws<dcopt::DataError>("Dataset::check", [&] { ds.check(); }) ||
      (broken("idx_to_dataset returned a dataset that fails check()"), true);
  return 0;
}
