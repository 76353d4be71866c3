#include "dcopt/compress/bf16.hpp"

#include "dcopt/compress/narrow_float.hpp"

namespace dcopt {

CodecInfo bf16_codec_info() {
  CodecInfo info;
  info.name = "bf16";
  info.summary = "cast to bfloat16, round-to-nearest-even";
  info.theory =
      "deterministic, biased, contractive: 1 - 1/delta = 2^-16 (unit roundoff 2^-8) for entries "
      "in [2^-126, 3.39e38]; below 2^-126 absolute error <= 2^-134; overflow rejected; density d";
  info.wire_bits = "16 d";
  info.params = {};
  info.examples = {"bf16"};
  info.make = [](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown({});
    return std::make_shared<NarrowFloatCodec<Bf16Format>>("bf16", CodecId::bf16);
  };
  return info;
}

}  // namespace dcopt
