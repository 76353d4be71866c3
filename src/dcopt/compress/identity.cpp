#include "dcopt/compress/identity.hpp"

#include <bit>
#include <cstring>
#include <type_traits>
#include <utility>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the identity codec's block copy assumes a little-endian host (the wire is LE)");

class Identity final : public CodecOf<Identity> {
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
  template <class T>
  void encode_as(std::span<const T> x, Rng&, Message& m) const {
    BitWriter w(std::move(m.bytes));
    w.reserve_bits(64 + x.size() * precision_bits(precision_));
    std::uint64_t header = write_header(w, id(), x.size());
    // The header is whole bytes, so the values are a byte-aligned little-endian block.
    std::span<std::uint8_t> out = w.append_bytes(x.size() * precision_bits(precision_) / 8);
    if (precision_ == Precision::fp32) {
      if constexpr (std::is_same_v<T, float>) {
        // float -> double -> float is the identity (bar the quieting of a signaling NaN, which
        // the copy keeps as it is), so fp32 input is a block copy.
        if (!x.empty()) std::memcpy(out.data(), x.data(), 4 * x.size());
      } else {
        for (std::size_t i = 0; i < x.size(); ++i) {
          const float v = static_cast<float>(x[i]);
          std::memcpy(out.data() + 4 * i, &v, 4);
        }
      }
    } else if constexpr (std::is_same_v<T, double>) {
      if (!x.empty()) std::memcpy(out.data(), x.data(), 8 * x.size());
    } else {
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double v = static_cast<double>(x[i]);
        std::memcpy(out.data() + 8 * i, &v, 8);
      }
    }
    finish_message(w, header, m);
  }

  // decode(encode(x)) without the message: decode() adds 1.0 * (the wire value) to a zero,
  // computed in double (accumulate), so the same expression gives the same bits.
  std::uint64_t round_trip(std::span<const double> x, Rng, std::span<double> out,
                           Message&) const override {
    return round_trip_as(x, out);
  }
  std::uint64_t round_trip(std::span<const float> x, Rng, std::span<float> out,
                           Message&) const override {
    return round_trip_as(x, out);
  }
  template <class T>
  std::uint64_t round_trip_as(std::span<const T> x, std::span<T> out) const {
    if (out.size() != x.size()) {
      throw DecodeError("identity message for d=" + std::to_string(x.size()) +
                        " decoded into a vector of " + std::to_string(out.size()));
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
      T o = T{0};
      accumulate(o, 1.0 * wire_round(static_cast<double>(x[i]), precision_));
      out[i] = o;
    }
    return codec_header_bits(x.size()) + x.size() * precision_bits(precision_);
  }

  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng) const {
    BitReader r(bytes);
    read_header(r, id(), acc.size());
    // Check the exact length up front so a truncated or oversized message leaves acc untouched;
    // the values are then a byte-aligned little-endian block after the header.
    const std::size_t width = precision_bits(precision_) / 8;
    const std::size_t start = r.position() / 8;
    if (bytes.size() != start + width * acc.size()) {
      throw DecodeError("identity message for d=" + std::to_string(acc.size()) + " must be " +
                        std::to_string(start + width * acc.size()) + " bytes, got " +
                        std::to_string(bytes.size()));
    }
    const std::uint8_t* in = bytes.data() + start;
    if (precision_ == Precision::fp32) {
      for (std::size_t i = 0; i < acc.size(); ++i) {
        float v;
        std::memcpy(&v, in + 4 * i, 4);
        accumulate(acc[i], scale * static_cast<double>(v));
      }
    } else {
      for (std::size_t i = 0; i < acc.size(); ++i) {
        double v;
        std::memcpy(&v, in + 8 * i, 8);
        accumulate(acc[i], scale * v);
      }
    }
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
