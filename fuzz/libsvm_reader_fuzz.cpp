// Fuzz target: the LibSVM reader (data/libsvm_reader.hpp) on untrusted text.
// Input: [options: 1 byte: bit 0 binary labels, bit 1 fixed dimension][fixed dimension: 2 bytes]
//        [the text: the rest]
// Promises: the only exception is DataError; an accepted file is a consistent Dataset (check()
// passes, every column below the dimension, binary labels are -1 or +1, a fixed dimension is
// kept) whose values and labels are finite.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "dcopt/core/error.hpp"
#include "dcopt/data/libsvm_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using dcopt::fuzz::broken;
  dcopt::fuzz::InputReader in(data, size);
  const std::uint8_t flags = in.byte();
  const std::uint16_t fixed = in.u16();
  dcopt::LibsvmOptions options;
  options.binary = (flags & 1) != 0;
  if (flags & 2) options.dim = fixed;
  const auto rest = in.rest();
  const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  dcopt::Dataset ds;
  if (!dcopt::fuzz::only_throws<dcopt::DataError>(
          "parse_libsvm", [&] { ds = dcopt::parse_libsvm(text, "<fuzz>", options); })) {
    return 0;
  }
  dcopt::fuzz::only_throws<dcopt::DataError>("Dataset::check", [&] { ds.check(); }) ||
      (broken("parse_libsvm returned a dataset that fails check()"), true);
  if (options.dim && ds.num_features != *options.dim) broken("the fixed dimension was not kept");
  for (std::uint32_t c : ds.col_idx) {
    if (c >= ds.num_features) broken("a column index beyond the dimension");
  }
  for (double v : ds.values) {
    if (!std::isfinite(v)) broken("a non-finite value was accepted");
  }
  for (double l : ds.labels) {
    if (!std::isfinite(l)) broken("a non-finite label was accepted");
    if (options.binary && l != -1.0 && l != 1.0) broken("a binary label is not -1 or +1");
  }
  return 0;
}
