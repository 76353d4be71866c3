#include "dcopt/compress/int8.hpp"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <sstream>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/quant_support.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

constexpr std::uint64_t kMaxBlock = std::uint64_t{1} << 30;
// Adding then subtracting 1.5 * 2^52 rounds a double of magnitude < 2^51 to the nearest integer
// (ties to even) in the default rounding mode; unlike std::nearbyint it vectorizes on baseline
// x86-64.
constexpr double kRoundMagic = 0x1.8p52;

class Int8 final : public Compressor {
 public:
  Int8(std::size_t block, bool stochastic) : block_(block), stochastic_(stochastic) {}
  std::string name() const override { return "int8"; }
  std::string spec() const override {
    return "int8:block=" + std::to_string(block_) +
           ",rounding=" + (stochastic_ ? "stochastic" : "nearest");
  }
  CodecId id() const override { return CodecId::int8; }
  CompressorProperties properties(std::size_t d) const override {
    const double b = static_cast<double>(std::max<std::size_t>(1, std::min(block_, d)));
    const double slack = 0x1p-24;
    CompressorProperties p;
    p.expected_density = static_cast<double>(d);
    if (stochastic_) {
      p.unbiased = true;
      p.omega = (b - 1.0) / 64516.0 * (1.0 + 0x1p-20) + slack;
      p.delta = CompressorProperties::none;
    } else {
      p.deterministic = true;
      double shrink = std::min((b - 1.0) / 64516.0 * (1.0 + 0x1p-20), 1.0 - 1.0 / b) + slack;
      p.delta = 1.0 / (1.0 - shrink);
    }
    return p;
  }

  Message encode(std::span<const double> x, Rng& rng) const override {
    const std::size_t d = x.size();
    const std::size_t nblocks = (d + block_ - 1) / block_;
    BitWriter w;
    std::uint64_t header = write_header(w, id(), d);
    // Scales first, codes after: both parts stay byte-aligned and are block copies.
    std::vector<float> scales(nblocks);
    std::vector<std::uint64_t> code_words((d + 7) / 8);
    auto* codes = reinterpret_cast<std::int8_t*>(code_words.data());
    for (std::size_t b = 0; b < nblocks; ++b) {
      const std::size_t lo = b * block_, n = std::min(block_, d - lo);
      const double* p = x.data() + lo;
      double m = 0.0;
      bool finite = true;
      for (std::size_t j = 0; j < n; ++j) {
        double a = std::fabs(p[j]);
        m = a > m ? a : m;
        finite &= a <= DBL_MAX;
      }
      if (!finite) require_finite_input(x, "int8");
      if (m != 0.0 && (m < static_cast<double>(FLT_MIN) || m > static_cast<double>(FLT_MAX))) {
        std::ostringstream msg;
        msg << "codec '" << spec() << "': block " << b << " (entries " << lo << ".." << lo + n - 1
            << ") has absmax " << m
            << " outside fp32's normal range [2^-126, 3.4e38] that the fp32 scale needs";
        throw InvalidArgument(msg.str());
      }
      float mf = static_cast<float>(m);
      if (static_cast<double>(mf) < m) mf = std::nextafter(mf, FLT_MAX);
      scales[b] = mf;
      std::int8_t* q = codes + lo;
      if (mf == 0.0f) {
        std::fill(q, q + n, std::int8_t{0});
        continue;
      }
      const double inv = 127.0 / static_cast<double>(mf);
      if (!stochastic_) {
        for (std::size_t j = 0; j < n; ++j) {
          double v = (p[j] * inv + kRoundMagic) - kRoundMagic;
          v = std::min(127.0, std::max(-127.0, v));  // only undoes rounding of the product
          q[j] = static_cast<std::int8_t>(static_cast<int>(v));
        }
      } else {
        for (std::size_t j = 0; j < n; ++j) {
          double v = std::min(127.0, std::max(-127.0, p[j] * inv));
          double fl = std::floor(v);
          int k = static_cast<int>(fl) + (bernoulli_exact(rng, v - fl) ? 1 : 0);
          q[j] = static_cast<std::int8_t>(k);
        }
      }
    }
    std::vector<std::uint64_t> scale_words((nblocks + 1) / 2);
    if (nblocks > 0) std::memcpy(scale_words.data(), scales.data(), nblocks * sizeof(float));
    if constexpr (std::endian::native == std::endian::little) {
      w.reserve_bits(w.bits() + 32 * nblocks + 8 * d);
      w.write_words(scale_words, 32 * nblocks);
      w.write_words(code_words, 8 * d);
    } else {
      for (float f : scales) w.write_f32(f);
      for (std::size_t j = 0; j < d; ++j) w.write(static_cast<std::uint8_t>(codes[j]), 8);
    }
    return finish_message(w, header);
  }

  void decode_add(std::span<const std::uint8_t> bytes, double scale, std::span<double> acc,
                  Rng) const override {
    BitReader r(bytes);
    const std::size_t d = acc.size();
    read_header(r, id(), d);
    const std::size_t nblocks = (d + block_ - 1) / block_;
    require_bits(r, 32 * nblocks + 8 * d, "scales and codes");
    std::vector<double> step(nblocks);
    for (std::size_t b = 0; b < nblocks; ++b) {
      float f = r.read_f32("block scale");
      if (!(f >= 0.0f && f <= FLT_MAX)) {
        throw DecodeError("malformed int8 message: block " + std::to_string(b) + " scale " +
                          std::to_string(f) + " is not a finite non-negative number");
      }
      step[b] = static_cast<double>(f) / 127.0;
    }
    std::vector<std::uint64_t> code_words(d / 8 + 1);
    r.read_words(code_words, 8 * d, "codes");
    r.expect_end("codes");
    std::vector<std::int8_t> codes(d);
    if (d > 0) {
      if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(codes.data(), code_words.data(), d);
      } else {
        for (std::size_t j = 0; j < d; ++j) {
          codes[j] = static_cast<std::int8_t>(code_words[j / 8] >> (8 * (j % 8)));
        }
      }
    }
    if (std::find(codes.begin(), codes.end(), std::int8_t{-128}) != codes.end()) {
      throw DecodeError("malformed int8 message: code -128 is outside [-127, 127]");
    }
    for (std::size_t b = 0; b < nblocks; ++b) {
      const std::size_t lo = b * block_, n = std::min(block_, d - lo);
      const double st = step[b];
      const std::int8_t* q = codes.data() + lo;
      double* a = acc.data() + lo;
      for (std::size_t j = 0; j < n; ++j) a[j] += scale * (static_cast<double>(q[j]) * st);
    }
  }

 private:
  std::size_t block_;
  bool stochastic_;
};

}  // namespace

CodecInfo int8_codec_info() {
  CodecInfo info;
  info.name = "int8";
  info.summary = "blockwise 8-bit linear quantization with an fp32 absmax scale per block";
  info.theory =
      "B' = min(block, d); nearest: deterministic, biased, 1 - 1/delta = min((B'-1)/64516, "
      "1 - 1/B'); stochastic: unbiased, omega = (B'-1)/64516; density d";
  info.wire_bits = "8 d + 32 ceil(d / block)";
  info.params = {
      {"block", "4096", "entries per block sharing one scale; integer in [1, 2^30]"},
      {"rounding", "nearest", "nearest (deterministic, contractive) or stochastic (unbiased)"}};
  info.examples = {"int8", "int8:block=16,rounding=stochastic", "int8:block=1",
                   "int8:block=7,rounding=nearest"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    std::uint64_t block = spec.get_uint("block", 4096);
    if (block < 1 || block > kMaxBlock) spec.fail("block", "an integer in [1, 1073741824]");
    std::string rounding = spec.get_string("rounding", "nearest");
    if (rounding != "nearest" && rounding != "stochastic") {
      spec.fail("rounding", "nearest or stochastic");
    }
    return std::make_shared<Int8>(static_cast<std::size_t>(block), rounding == "stochastic");
  };
  return info;
}

}  // namespace dcopt
