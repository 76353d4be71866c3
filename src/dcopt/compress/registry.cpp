#include "dcopt/compress/registry.hpp"

#include "dcopt/compress/bernoulli.hpp"
#include "dcopt/compress/bf16.hpp"
#include "dcopt/compress/fp16.hpp"
#include "dcopt/compress/identity.hpp"
#include "dcopt/compress/int8.hpp"
#include "dcopt/compress/natural.hpp"
#include "dcopt/compress/natural_dithering.hpp"
#include "dcopt/compress/qsgd.hpp"
#include "dcopt/compress/randk.hpp"
#include "dcopt/compress/randk_shared.hpp"
#include "dcopt/compress/scaled_sign.hpp"
#include "dcopt/compress/topk.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {

const std::vector<CodecInfo>& codec_catalog() {
  static const std::vector<CodecInfo> catalog = [] {
    std::vector<CodecInfo> c;
    c.push_back(identity_codec_info());
    c.push_back(randk_codec_info());
    c.push_back(randk_shared_codec_info());
    c.push_back(bernoulli_codec_info());
    c.push_back(topk_codec_info());
    c.push_back(natural_codec_info());
    c.push_back(natural_dithering_codec_info());
    c.push_back(qsgd_codec_info());
    c.push_back(scaled_sign_codec_info());
    c.push_back(int8_codec_info());
    c.push_back(fp16_codec_info());
    c.push_back(bf16_codec_info());
    return c;
  }();
  return catalog;
}

CompressorPtr make_compressor(std::string_view text) {
  CodecSpec spec = CodecSpec::parse(text);
  for (const auto& info : codec_catalog()) {
    if (info.name == spec.name()) return info.make(spec);
  }
  std::string valid;
  for (const auto& info : codec_catalog()) valid += (valid.empty() ? "" : ", ") + info.name;
  throw InvalidArgument("unknown codec '" + spec.name() + "' in spec '" + std::string(text) +
                        "'; valid codecs: " + valid);
}

}  // namespace dcopt
