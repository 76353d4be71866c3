#include "dcopt/compress/bernoulli.hpp"

#include <charconv>
#include <utility>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/exact_payload.hpp"

namespace dcopt {
namespace {

constexpr const char* p_valid = "a probability with 0 < p <= 1 (required)";

class Bernoulli final : public CodecOf<Bernoulli> {
 public:
  Bernoulli(double p, Precision precision) : p_(p), precision_(precision) {}
  std::string name() const override { return "bernoulli"; }
  std::string spec() const override {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, p_);  // shortest round-tripping decimal
    return "bernoulli:p=" + std::string(buf, res.ptr) +
           ",precision=" + std::to_string(precision_bits(precision_));
  }
  CodecId id() const override { return CodecId::bernoulli; }
  CompressorProperties properties(std::size_t d) const override {
    CompressorProperties p;
    p.unbiased = true;
    p.omega = 1.0 / p_ - 1.0;
    // Sending x/p expands for p < 1 (no contraction bound is declared); p = 1 is identity.
    p.delta = p_ == 1.0 ? 1.0 : CompressorProperties::none;
    p.expected_density = p_ * static_cast<double>(d);
    p.deterministic = p_ == 1.0;
    return p;
  }
  template <class T>
  void encode_as(std::span<const T> x, Rng& rng, Message& out) const {
    const bool send = rng.bernoulli(p_);
    BitWriter w(std::move(out.bytes));
    w.reserve_bits(81 + (send ? x.size() * precision_bits(precision_) : 0));
    const std::uint64_t header = write_header(w, id(), x.size());
    w.write_bit(send);
    if (send) {
      for (T v : x) write_value(w, static_cast<double>(v) / p_, precision_);
    }
    finish_message(w, header, out);
  }
  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng) const {
    BitReader r(bytes);
    read_header(r, id(), acc.size());
    const bool sent = r.read_bit("sent flag");
    const std::uint64_t payload = sent ? acc.size() * std::uint64_t{precision_bits(precision_)} : 0;
    require_exact_payload(r, bytes, payload, "values");
    if (sent) {
      for (T& a : acc) accumulate(a, scale * read_value(r, precision_, "value"));
    }
    r.expect_end("values");
  }

 private:
  double p_;
  Precision precision_;
};

}  // namespace

CodecInfo bernoulli_codec_info() {
  CodecInfo info;
  info.name = "bernoulli";
  info.summary = "lazy / rand-p: with probability p send x/p densely, otherwise nothing";
  info.theory = "unbiased, omega = 1/p - 1, density p*d (delta = 1 only when p = 1)";
  info.wire_bits = "1 + precision*d with probability p, else 1";
  info.params = {{"p", "", std::string("probability of sending: ") + p_valid}, precision_param()};
  info.examples = {"bernoulli:p=0.5", "bernoulli:p=0.25,precision=64", "bernoulli:p=1"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    if (!spec.has("p")) spec.fail("p", p_valid);
    const double p = spec.get_double("p", 0.0);
    if (!(p > 0.0 && p <= 1.0)) spec.fail("p", p_valid);
    return std::make_shared<Bernoulli>(p, parse_precision(spec));
  };
  return info;
}

}  // namespace dcopt
