// Fuzz target: every codec's decoder on untrusted bytes (compress/compressor.hpp: decode_add()
// validates everything and throws DecodeError; it never reads or writes out of bounds).
//
// Input: [codec: 1 byte, an index into every catalog example spec plus one layered codec]
//        [receiver's dimension d: 2 bytes, 1..4096][scale: 1 byte][shared-stream seed: 1 byte]
//        [the message bytes: the rest]
// Promises checked on every input:
//   - the only exception is DecodeError;
//   - a rejected message leaves a double accumulator either untouched or is reported (the
//     caller discards it), and never touches memory outside it (ASan);
//   - an accepted message decodes the same twice (decode is a pure function of bytes and the
//     shared stream), into float as the float rounding of the double decode (the element-type
//     contract), and decode_add(scale) adds exactly scale times the decode when scale is a power
//     of two;
//   - a finite accepted decode y re-encodes: encode(y) either rejects y as outside the codec's
//     input domain with InvalidArgument, or is a message of the codec that decodes at dimension
//     d, whose bit count fits its bytes; a deterministic codec gives the same bytes when
//     encoding twice.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/compress/layered_compressor.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/param_layout.hpp"
#include "dcopt/core/rng.hpp"
#include "fuzz_support.hpp"

namespace {

using dcopt::CompressorPtr;
using dcopt::DecodeError;
using dcopt::Rng;

struct Codecs {
  std::vector<CompressorPtr> codecs;
  /// The layered codec's fixed dimension (its layout's size); 0 for the registry codecs.
  std::vector<std::size_t> fixed_dim;
};

const Codecs& codecs() {
  static const Codecs all = [] {
    Codecs c;
    for (const auto& info : dcopt::codec_catalog()) {
      for (const auto& spec : info.examples) {
        c.codecs.push_back(dcopt::make_compressor(spec));
        c.fixed_dim.push_back(0);
      }
    }
    // A layered codec over three tensors (a weight, a bias, a scalar), each with its own codec.
    auto layout = dcopt::ParamLayout::packed({{"w", {4, 5}}, {"b", {5}}, {"s", {1}}});
    std::vector<dcopt::TensorCodec> per_tensor = {{dcopt::make_compressor("topk:k=4"), "w"},
                                                  {dcopt::make_compressor("int8"), "b"},
                                                  {dcopt::make_compressor("identity"), "s"}};
    const std::size_t d = layout.size();
    c.codecs.push_back(
        std::make_shared<dcopt::LayeredCompressor>(std::move(layout), std::move(per_tensor)));
    c.fixed_dim.push_back(d);
    return c;
  }();
  return all;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using dcopt::fuzz::broken;
  using dcopt::fuzz::only_throws;
  const Codecs& all = codecs();
  dcopt::fuzz::InputReader in(data, size);
  const std::size_t which = in.byte() % all.codecs.size();
  const dcopt::Compressor& codec = *all.codecs[which];
  std::size_t d = 1 + in.u16() % 4096;
  if (all.fixed_dim[which] != 0) d = all.fixed_dim[which];
  const int scale_exp = static_cast<int>(in.byte() % 9) - 4;  // 2^-4 .. 2^4
  const double scale = std::ldexp(1.0, scale_exp);
  const std::uint64_t seed = in.byte();
  const auto bytes = in.rest();
  auto shared = [&] { return Rng(seed, dcopt::Purpose::shared_codec, 1, 2); };

  std::vector<double> y(d, 0.0);
  if (!only_throws<DecodeError>(codec.spec(), [&] { codec.decode(bytes, y, shared()); })) {
    return 0;
  }
  // Pure: the same bytes and stream give the same vector.
  std::vector<double> y2(d, 0.0);
  only_throws<DecodeError>(codec.spec(), [&] { codec.decode(bytes, y2, shared()); }) ||
      (broken("a message decoded once is rejected the second time"), true);
  for (std::size_t i = 0; i < d; ++i) {
    if (!same(y[i], y2[i])) broken("decoding the same message twice differs");
  }
  // Float accumulator: the float rounding of the double decode.
  std::vector<float> yf(d, 1.0f);
  only_throws<DecodeError>(codec.spec(), [&] { codec.decode(bytes, yf, shared()); }) ||
      (broken("a message decoded into double is rejected into float"), true);
  for (std::size_t i = 0; i < d; ++i) {
    if (!same(static_cast<double>(yf[i]), static_cast<double>(static_cast<float>(y[i])))) {
      broken("the float decode is not the float rounding of the double decode");
    }
  }
  // decode_add with a power-of-two scale into zeros: exactly scale * y (no rounding involved).
  std::vector<double> acc(d, 0.0);
  only_throws<DecodeError>(codec.spec(), [&] { codec.decode_add(bytes, scale, acc, shared()); }) ||
      (broken("decode_add rejects what decode accepted"), true);
  for (std::size_t i = 0; i < d; ++i) {
    const double want = 0.0 + scale * y[i];
    if (!same(acc[i], want) && std::isfinite(want)) broken("decode_add(scale) != scale * decode");
  }

  // Re-encode a finite decode.
  for (double v : y) {
    if (!std::isfinite(v)) return 0;
  }
  Rng rng(seed, dcopt::Purpose::compressor, 1, 2);
  dcopt::Message m;
  try {
    m = codec.encode(y, rng);
  } catch (const dcopt::InvalidArgument&) {
    // Outside the codec's documented input domain (int8: a block whose absmax is below fp32's
    // normal range, which small codes times a small scale decode to): a clear error, allowed.
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: %s: encode threw: %s\n", codec.spec().c_str(), e.what());
    broken("encode of a finite decode throws something other than InvalidArgument");
  }
  if (m.bytes.empty() || m.bytes[0] != static_cast<std::uint8_t>(codec.id())) {
    broken("a re-encoded message does not start with the codec's id");
  }
  if (m.bits > 8 * m.bytes.size() || m.bits + 8 <= 8 * m.bytes.size() || m.header_bits > m.bits) {
    broken("a re-encoded message's bit count does not fit its bytes");
  }
  std::vector<double> z(d, 0.0);
  Rng encode_stream(seed, dcopt::Purpose::compressor, 1, 2);
  only_throws<DecodeError>(codec.spec(), [&] { codec.decode(m.bytes, z, encode_stream); }) ||
      (broken("a re-encoded message is rejected by its own decoder"), true);
  if (codec.properties(d).deterministic) {
    Rng again(seed, dcopt::Purpose::compressor, 1, 2);
    const dcopt::Message m2 = codec.encode(y, again);
    if (m2.bytes != m.bytes || m2.bits != m.bits) broken("a deterministic codec's encode varies");
  }
  return 0;
}
