#include "dcopt/compress/identity.hpp"

#include "dcopt/compress/codec_header.hpp"

namespace dcopt {
namespace {

class Identity final : public Compressor {
 public:
  explicit Identity(Precision p) : precision_(p) {}
  std::string name() const override { return "identity"; }
  std::string spec() const override {
    return "identity:precision=" + std::to_string(precision_bits(precision_));
  }
  CodecId id() const override { return CodecId::identity; }
  CompressorProperties properties(std::size_t d) const override {
    CompressorProperties p;
    p.unbiased = true;
    p.omega = 0.0;
    p.delta = 1.0;
    p.expected_density = static_cast<double>(d);
    p.deterministic = true;
    return p;
  }
  Message encode(std::span<const double> x, Rng&) const override {
    BitWriter w;
    w.reserve_bits(64 + x.size() * precision_bits(precision_));
    std::uint64_t header = write_header(w, id(), x.size());
    for (double v : x) write_value(w, v, precision_);
    return finish_message(w, header);
  }
  void decode_add(std::span<const std::uint8_t> bytes, double scale, std::span<double> acc,
                  Rng) const override {
    BitReader r(bytes);
    read_header(r, id(), acc.size());
    // Check the length up front so a truncated message leaves acc untouched.
    require_bits(r, acc.size() * precision_bits(precision_), "values");
    for (double& a : acc) a += scale * read_value(r, precision_, "value");
    r.expect_end("values");
  }

 private:
  Precision precision_;
};

}  // namespace

CodecInfo identity_codec_info() {
  CodecInfo info;
  info.name = "identity";
  info.summary = "no compression: every value is sent";
  info.theory = "unbiased, omega = 0, delta = 1, density d";
  info.wire_bits = "precision * d";
  info.params = {precision_param()};
  info.examples = {"identity", "identity:precision=64"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    return std::make_shared<Identity>(parse_precision(spec));
  };
  return info;
}

}  // namespace dcopt
