#include "dcopt/compress/fp16.hpp"

#include "dcopt/compress/narrow_float.hpp"

namespace dcopt {

CodecInfo fp16_codec_info() {
  CodecInfo info;
  info.name = "fp16";
  info.summary = "cast to IEEE half precision, round-to-nearest-even";
  info.theory =
      "deterministic, biased, contractive: 1 - 1/delta = 2^-22 (unit roundoff 2^-11) for entries "
      "in [2^-14, 65504]; below 2^-14 absolute error <= 2^-25; |x| >= 65520 rejected; density d";
  info.wire_bits = "16 d";
  info.params = {};
  info.examples = {"fp16"};
  info.make = [](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown({});
    return std::make_shared<NarrowFloatCodec<Fp16Format>>("fp16", CodecId::fp16);
  };
  return info;
}

}  // namespace dcopt
