#include "dcopt/compress/codec_header.hpp"

#include "dcopt/core/error.hpp"

namespace dcopt {

Precision parse_precision(const CodecSpec& spec) {
  std::uint64_t p = spec.get_uint("precision", 32);
  if (p == 32) return Precision::fp32;
  if (p == 64) return Precision::fp64;
  spec.fail("precision", "32 (fp32 values on the wire) or 64 (fp64)");
}

CodecParam precision_param() {
  return {"precision", "32", "bits per transmitted value: 32 (fp32) or 64 (fp64)"};
}

std::string codec_name(CodecId id) {
  switch (id) {
    case CodecId::identity: return "identity";
    case CodecId::randk: return "randk";
    case CodecId::randk_shared: return "randk_shared";
    case CodecId::bernoulli: return "bernoulli";
    case CodecId::topk: return "topk";
    case CodecId::natural: return "natural";
    case CodecId::natural_dithering: return "natural_dithering";
    case CodecId::qsgd: return "qsgd";
    case CodecId::scaled_sign: return "scaled_sign";
    case CodecId::int8: return "int8";
    case CodecId::fp16: return "fp16";
    case CodecId::bf16: return "bf16";
    case CodecId::layered: return "layered";
  }
  return "unknown codec #" + std::to_string(static_cast<int>(id));
}

std::uint64_t write_header(BitWriter& w, CodecId id, std::size_t d) {
  std::size_t before = w.bits();
  w.write(static_cast<std::uint8_t>(id), 8);
  w.write_varint(d);
  return w.bits() - before;
}

std::uint64_t codec_header_bits(std::size_t d) {
  std::uint64_t groups = 1;  // the varint's 7-bit groups: at least one
  for (std::uint64_t v = d >> 7; v != 0; v >>= 7) ++groups;
  return 8 + 8 * groups;
}

void read_header(BitReader& r, CodecId expected, std::size_t d) {
  auto got = static_cast<std::uint8_t>(r.read(8, "codec id"));
  if (got != static_cast<std::uint8_t>(expected)) {
    throw DecodeError("message was encoded by codec '" + codec_name(static_cast<CodecId>(got)) +
                      "' but is being decoded as '" + codec_name(expected) + "'");
  }
  std::uint64_t md = r.read_varint("dimension");
  if (md != d) {
    throw DecodeError("message is for dimension " + std::to_string(md) +
                      " but the receiver expects " + std::to_string(d));
  }
}

void require_bits(const BitReader& r, std::uint64_t bits, const char* what) {
  if (r.remaining() < bits) {
    throw DecodeError(std::string("truncated message: ") + what + " need " + std::to_string(bits) +
                      " bits but only " + std::to_string(r.remaining()) + " remain");
  }
}

void finish_message(BitWriter& w, std::uint64_t header_bits, Message& out) {
  out.bits = w.bits();
  out.header_bits = header_bits;
  out.bytes = w.take();
}

}  // namespace dcopt
