#pragma once
// The codec catalog and the factory that builds a compressor from a spec string.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dcopt/compress/codec_spec.hpp"
#include "dcopt/compress/compressor.hpp"

namespace dcopt {

/// Everything `dcopt compressors` shows about one codec, and how to build it.
struct CodecInfo {
  std::string name;
  std::string summary;
  /// Theory constants in words/formulas, e.g. "unbiased, omega = d/k - 1, density k".
  std::string theory;
  /// Bits on the wire as a formula (payload; the header adds 8 bits + varint(d)).
  std::string wire_bits;
  std::vector<CodecParam> params;
  /// Representative specs (at least one; the first uses the defaults). The codec contract tests
  /// and `dcopt compressors` run every codec through each of them.
  std::vector<std::string> examples;
  /// Builds the codec; validates every parameter (InvalidArgument naming key and valid range).
  std::function<CompressorPtr(const CodecSpec&)> make;
};

/// Every codec dcopt has, in a fixed order.
const std::vector<CodecInfo>& codec_catalog();

/// Builds a compressor from "name[:key=value,...]". Unknown codec or parameter, or an invalid
/// value: InvalidArgument naming it and listing what is valid.
CompressorPtr make_compressor(std::string_view spec);

}  // namespace dcopt
