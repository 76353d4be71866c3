#include "dcopt/compress/layered_compressor.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/thread_scratch.hpp"
#include "dcopt/core/bit_io.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

// The tensor codecs write into one reused Message per thread, which is then copied behind its
// length field (the length must precede the message, and the message's size is known only
// after encoding). Layered codecs do not nest, so this scratch is never held twice.
struct LayeredScratch {
  Message sub;
};

std::string tensor_label(const ParamLayout& layout, std::size_t t) {
  return "tensor " + std::to_string(t) + " '" + layout[t].name + "'";
}

}  // namespace

LayeredCompressor::LayeredCompressor(ParamLayout layout, std::vector<TensorCodec> codecs,
                                     std::string description)
    : layout_(std::move(layout)), codecs_(std::move(codecs)), description_(std::move(description)) {
  if (codecs_.size() != layout_.num_tensors()) {
    throw InvalidArgument("layered codec: " + std::to_string(codecs_.size()) + " codecs for " +
                          std::to_string(layout_.num_tensors()) + " tensors");
  }
  if (const auto& gap = layout_.first_gap()) {
    throw InvalidArgument("layered codec: entries [" + std::to_string(gap->first) + ", " +
                          std::to_string(gap->second) +
                          ") of the buffer belong to no tensor of the layout; every entry must "
                          "be sent by some tensor's codec");
  }
  tensor_props_.reserve(codecs_.size());
  props_.unbiased = true;
  props_.omega = 0.0;
  props_.delta = 1.0;
  props_.expected_density = 0.0;
  props_.deterministic = true;
  for (std::size_t t = 0; t < codecs_.size(); ++t) {
    const CompressorPtr& c = codecs_[t].codec;
    if (!c) throw InvalidArgument("layered codec: " + tensor_label(layout_, t) + " has no codec");
    if (c->id() == CodecId::layered) {
      throw InvalidArgument("layered codec: " + tensor_label(layout_, t) +
                            " has a layered codec; layered codecs do not nest");
    }
    CompressorProperties p;
    try {
      p = c->properties(layout_[t].numel());
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("layered codec: codec '" + c->spec() + "' cannot compress " +
                            tensor_label(layout_, t) + " " + layout_[t].shape_text() + " (" +
                            std::to_string(layout_[t].numel()) + " entries): " + e.what());
    }
    tensor_props_.push_back(p);
    // See properties(): the block-diagonal composition's constants.
    props_.unbiased = props_.unbiased && p.unbiased;
    props_.omega = std::max(props_.omega, p.omega);
    props_.delta = std::max(props_.delta, p.delta);
    props_.expected_density += p.expected_density;
    props_.deterministic = props_.deterministic && p.deterministic;
  }
  if (!props_.unbiased) props_.omega = CompressorProperties::none;
}

std::string LayeredCompressor::spec() const {
  if (!description_.empty()) return "layered{" + description_ + "}";
  std::string s = "layered{";
  for (std::size_t t = 0; t < codecs_.size(); ++t) {
    if (t > 0) s += "; ";
    s += layout_[t].name + ": " + codecs_[t].codec->spec();
  }
  return s + "}";
}

void LayeredCompressor::check_dim(std::size_t d, const char* what) const {
  if (d != layout_.size()) {
    throw InvalidArgument(std::string("layered codec ") + what + ": dimension " +
                          std::to_string(d) + ", but its layout has " +
                          std::to_string(layout_.size()) + " entries");
  }
}

CompressorProperties LayeredCompressor::properties(std::size_t d) const {
  check_dim(d, "properties");
  return props_;
}

std::string LayeredCompressor::describe() const {
  std::string s;
  for (std::size_t t = 0; t < codecs_.size(); ++t) {
    const ParamTensor& p = layout_[t];
    s += p.name + " " + p.shape_text() + " " + std::to_string(p.numel()) + " -> " +
         codecs_[t].codec->spec();
    if (!codecs_[t].origin.empty()) s += " (" + codecs_[t].origin + ")";
    s += "\n";
  }
  return s;
}

template <class T>
void LayeredCompressor::encode_impl(std::span<const T> x, Rng& rng, Message& out,
                                    std::span<TensorWireBits> report) const {
  check_dim(x.size(), "encode");
  // The only draw from the caller's stream (decode_add mirrors it).
  const std::uint64_t key = rng.next_u64();
  Message& sub = thread_scratch<LayeredScratch>().sub;
  BitWriter w(std::move(out.bytes));
  std::uint64_t overhead = write_header(w, id(), x.size());
  std::size_t before = w.bits();
  w.write_varint(codecs_.size());
  overhead += w.bits() - before;
  std::uint64_t last_padding = 0;
  for (std::size_t t = 0; t < codecs_.size(); ++t) {
    Rng sub_rng(key, Purpose::compressor, t, 0);
    try {
      codecs_[t].codec->encode(layout_.view(x, t), sub_rng, sub);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("layered codec, " + tensor_label(layout_, t) + ": " + e.what());
    }
    const std::size_t len = sub.bytes.size();
    if (sub.bits > 8 * len || 8 * len - sub.bits >= 8) {
      throw std::logic_error("layered codec: codec '" + codecs_[t].codec->spec() + "' reported " +
                             std::to_string(sub.bits) + " bits for " + std::to_string(len) +
                             " bytes");
    }
    before = w.bits();
    w.write_varint(len);
    const std::uint64_t length_bits = w.bits() - before;
    std::span<std::uint8_t> dst = w.append_bytes(len);
    std::memcpy(dst.data(), sub.bytes.data(), len);
    const std::uint64_t padding = 8 * len - sub.bits;
    overhead += length_bits + padding + sub.header_bits;
    if (!report.empty()) report[t] = {sub.bits, sub.header_bits, length_bits + padding};
    last_padding = padding;
  }
  finish_message(w, overhead, out);
  // The final padding is not part of the message's exact size (Message::bits).
  out.bits -= last_padding;
  out.header_bits -= last_padding;
  if (!report.empty()) report.back().framing_bits -= last_padding;
}

template <class T>
void LayeredCompressor::encode_as(std::span<const T> x, Rng& rng, Message& out) const {
  encode_impl(x, rng, out, {});
}

void LayeredCompressor::encode_with_report(std::span<const double> x, Rng& rng, Message& out,
                                           std::span<TensorWireBits> report) const {
  if (report.size() != codecs_.size()) {
    throw std::invalid_argument("layered codec: report of " + std::to_string(report.size()) +
                                " entries for " + std::to_string(codecs_.size()) + " tensors");
  }
  encode_impl(x, rng, out, report);
}

void LayeredCompressor::encode_with_report(std::span<const float> x, Rng& rng, Message& out,
                                           std::span<TensorWireBits> report) const {
  if (report.size() != codecs_.size()) {
    throw std::invalid_argument("layered codec: report of " + std::to_string(report.size()) +
                                " entries for " + std::to_string(codecs_.size()) + " tensors");
  }
  encode_impl(x, rng, out, report);
}

template <class T>
void LayeredCompressor::decode_add_as(std::span<const std::uint8_t> bytes, double scale,
                                      std::span<T> acc, Rng shared) const {
  // Pass 1: the framing and every tensor message's header, before acc is touched.
  BitReader r(bytes);
  read_header(r, id(), acc.size());
  if (acc.size() != layout_.size()) {
    throw DecodeError("layered message for d=" + std::to_string(acc.size()) +
                      ", but the layout has " + std::to_string(layout_.size()) + " entries");
  }
  const std::uint64_t count = r.read_varint("tensor count");
  if (count != codecs_.size()) {
    throw DecodeError("layered message has " + std::to_string(count) +
                      " tensors, but the layout has " + std::to_string(codecs_.size()));
  }
  const std::size_t first = r.position() / 8;
  std::size_t pos = first;
  for (std::size_t t = 0; t < codecs_.size(); ++t) {
    BitReader lr(bytes.subspan(pos));
    std::uint64_t len = 0;
    try {
      len = lr.read_varint("tensor message length");
    } catch (const DecodeError& e) {
      throw DecodeError("layered message, " + tensor_label(layout_, t) + ": " + e.what());
    }
    pos += lr.position() / 8;
    if (len > bytes.size() - pos) {
      throw DecodeError("truncated layered message: " + tensor_label(layout_, t) + " needs " +
                        std::to_string(len) + " bytes, only " + std::to_string(bytes.size() - pos) +
                        " remain");
    }
    BitReader hr(bytes.subspan(pos, static_cast<std::size_t>(len)));
    try {
      read_header(hr, codecs_[t].codec->id(), layout_[t].numel());
    } catch (const DecodeError& e) {
      throw DecodeError("layered message, " + tensor_label(layout_, t) + ": " + e.what());
    }
    pos += static_cast<std::size_t>(len);
  }
  if (pos != bytes.size()) {
    throw DecodeError("layered message has " + std::to_string(bytes.size() - pos) +
                      " trailing bytes after its last tensor");
  }
  // Pass 2: each tensor's message with its own codec and the sender's sub-stream.
  const std::uint64_t key = shared.next_u64();
  pos = first;
  for (std::size_t t = 0; t < codecs_.size(); ++t) {
    BitReader lr(bytes.subspan(pos));
    const auto len = static_cast<std::size_t>(lr.read_varint("tensor message length"));
    pos += lr.position() / 8;
    try {
      codecs_[t].codec->decode_add(bytes.subspan(pos, len), scale, layout_.view(acc, t),
                                   Rng(key, Purpose::compressor, t, 0));
    } catch (const DecodeError& e) {
      throw DecodeError("layered message, " + tensor_label(layout_, t) + ": " + e.what());
    }
    pos += len;
  }
}

template void LayeredCompressor::encode_as<double>(std::span<const double>, Rng&, Message&) const;
template void LayeredCompressor::encode_as<float>(std::span<const float>, Rng&, Message&) const;
template void LayeredCompressor::decode_add_as<double>(std::span<const std::uint8_t>, double,
                                                       std::span<double>, Rng) const;
template void LayeredCompressor::decode_add_as<float>(std::span<const std::uint8_t>, double,
                                                      std::span<float>, Rng) const;

}  // namespace dcopt
