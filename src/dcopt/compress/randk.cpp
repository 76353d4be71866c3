#include "dcopt/compress/randk.hpp"

#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/sparse_support.hpp"
#include "dcopt/compress/sparsity_level.hpp"
#include "dcopt/compress/thread_scratch.hpp"

namespace dcopt {
namespace {

struct RandKScratch {
  std::vector<std::uint32_t> indices;
};

class RandK final : public CodecOf<RandK> {
 public:
  RandK(SparsityLevel level, Precision p) : level_(level), precision_(p) {}
  std::string name() const override { return "randk"; }
  std::string spec() const override {
    return "randk:" + level_.spec_text() +
           ",precision=" + std::to_string(precision_bits(precision_));
  }
  CodecId id() const override { return CodecId::randk; }
  CompressorProperties properties(std::size_t d) const override {
    const std::size_t k = level_.resolve(d, "randk");
    return random_sparsifier_properties(k, d);
  }
  template <class T>
  void encode_as(std::span<const T> x, Rng& rng, Message& out) const {
    const std::size_t d = x.size();
    const std::size_t k = level_.resolve(d, "randk");
    std::vector<std::uint32_t>& indices = thread_scratch<RandKScratch>().indices;
    rng.sample_without_replacement(k, d, indices);
    const double s = k == 0 ? 1.0 : static_cast<double>(d) / static_cast<double>(k);
    encode_sparse(id(), x, indices, s, precision_, out);
  }
  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng) const {
    decode_sparse_add(id(), bytes, level_.resolve(acc.size(), "randk"), precision_, scale, acc);
  }

 private:
  SparsityLevel level_;
  Precision precision_;
};

}  // namespace

CodecInfo randk_codec_info() {
  CodecInfo info;
  info.name = "randk";
  info.summary =
      "random sparsification: k uniformly random coordinates scaled by d/k, indices sent";
  info.theory = "unbiased, omega = d/k - 1, density k (delta = 1 only when k = d)";
  info.wire_bits = "1 + min(k*ceil(log2 d), d) + precision*k";
  info.params = SparsityLevel::params();
  info.params.push_back(precision_param());
  info.examples = {"randk:ratio=0.1", "randk:ratio=0.5,precision=64", "randk:ratio=1"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    return std::make_shared<RandK>(SparsityLevel::parse(spec), parse_precision(spec));
  };
  return info;
}

}  // namespace dcopt
