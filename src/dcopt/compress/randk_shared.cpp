#include "dcopt/compress/randk_shared.hpp"

#include <utility>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/exact_payload.hpp"
#include "dcopt/compress/sparsity_level.hpp"
#include "dcopt/compress/thread_scratch.hpp"

namespace dcopt {
namespace {

struct RandKSharedScratch {
  std::vector<std::uint32_t> indices;
};

class RandKShared final : public CodecOf<RandKShared> {
 public:
  RandKShared(SparsityLevel level, Precision p) : level_(level), precision_(p) {}
  std::string name() const override { return "randk_shared"; }
  std::string spec() const override {
    return "randk_shared:" + level_.spec_text() +
           ",precision=" + std::to_string(precision_bits(precision_));
  }
  CodecId id() const override { return CodecId::randk_shared; }
  CompressorProperties properties(std::size_t d) const override {
    const std::size_t k = level_.resolve(d, "randk_shared");
    return random_sparsifier_properties(k, d);
  }
  template <class T>
  void encode_as(std::span<const T> x, Rng& rng, Message& out) const {
    const std::size_t d = x.size();
    const std::size_t k = level_.resolve(d, "randk_shared");
    std::vector<std::uint32_t>& indices = thread_scratch<RandKSharedScratch>().indices;
    rng.sample_without_replacement(k, d, indices);  // the only draw: see the ordering rule
    const double s = k == 0 ? 1.0 : static_cast<double>(d) / static_cast<double>(k);
    BitWriter w(std::move(out.bytes));
    w.reserve_bits(80 + k * precision_bits(precision_));
    const std::uint64_t header = write_header(w, id(), d);
    for (std::uint32_t j : indices) write_value(w, s * static_cast<double>(x[j]), precision_);
    finish_message(w, header, out);
  }
  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng shared) const {
    BitReader r(bytes);
    read_header(r, id(), acc.size());
    const std::size_t k = level_.resolve(acc.size(), "randk_shared");
    require_exact_payload(r, bytes, static_cast<std::uint64_t>(k) * precision_bits(precision_),
                          "values");
    std::vector<std::uint32_t>& indices = thread_scratch<RandKSharedScratch>().indices;
    shared.sample_without_replacement(k, acc.size(), indices);  // mirrors encode()
    for (std::uint32_t j : indices) accumulate(acc[j], scale * read_value(r, precision_, "value"));
    r.expect_end("values");
  }

 private:
  SparsityLevel level_;
  Precision precision_;
};

}  // namespace

CodecInfo randk_shared_codec_info() {
  CodecInfo info;
  info.name = "randk_shared";
  info.summary =
      "RandK whose indices the receiver regenerates from the shared stream: only k values "
      "scaled by d/k are sent";
  info.theory = "unbiased, omega = d/k - 1, density k (delta = 1 only when k = d)";
  info.wire_bits = "precision*k";
  info.params = SparsityLevel::params();
  info.params.push_back(precision_param());
  info.examples = {"randk_shared:ratio=0.1", "randk_shared:ratio=0.5,precision=64",
                   "randk_shared:ratio=1"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    return std::make_shared<RandKShared>(SparsityLevel::parse(spec), parse_precision(spec));
  };
  return info;
}

}  // namespace dcopt
