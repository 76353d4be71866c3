#pragma once
// LayeredCompressor: a Compressor over a flat buffer that encodes each tensor of its ParamLayout
// with that tensor's own codec (built by a CompressionPolicy, compression_policy.hpp). It is a
// Compressor like any other, so every estimator and the Exchange block use it unchanged; the
// bits it reports are the exact size of the real message, and encode_with_report() gives each
// tensor's share for logs.
//
// Wire format (every field whole bytes):
//   [codec id 13: 8 bits][d: varint][number of tensors T: varint]
//   then for each tensor t in layout order: [L_t: varint][the tensor codec's message, L_t bytes]
// Each tensor's message is that codec's own message for the tensor's slice (its header says its
// codec and numel), zero-padded to whole bytes as that codec produces it.
//
// Randomness: encode() draws one 64-bit key from `rng` and nothing else; tensor t's codec
// encodes with Rng(key, Purpose::compressor, t, 0): independent streams per tensor (Philox keyed
// by the draw, named by the tensor index). decode_add() receives a fresh copy of the sender's
// stream, draws the same key and rebuilds the same sub-streams, so codecs whose receiver
// regenerates the sender's choices (randk_shared) decode inside a layered message; and senders
// that share one stream (CodecStreams::shared) share every tensor's sub-stream.
//
// Untrusted input: decode_add() first checks the framing as a whole (codec id, d, T, every
// length within the message, every tensor message starting with its codec's id and the tensor's
// numel, no trailing bytes) before touching `acc`; then each tensor's message is decoded by its
// own codec with its own validation. A malformed framing, or a malformed header of any tensor's
// message, leaves `acc` untouched; a tensor whose payload fails its codec's checks throws
// DecodeError naming the tensor, after the tensors before it were accumulated (the caller must
// discard `acc`, as after any DecodeError).
//
// Not in the codec registry: a layered codec cannot be built from a spec string alone (it needs
// the layout), so spec() describes it (the policy that built it) but make_compressor() does not
// accept it. Layered codecs do not nest (a tensor codec may not itself be layered).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/param_layout.hpp"

namespace dcopt {

/// The codec of one tensor, and why it was chosen (for logs).
struct TensorCodec {
  CompressorPtr codec;
  /// E.g. "rule 2: numel>65536" or "default"; free text.
  std::string origin;
};

/// One tensor's share of a layered message, in bits. Over all tensors,
///   message.bits == layered_header_bits + sum of (codec_bits + framing_bits)
/// and message.header_bits == layered_header_bits + sum of (codec_header_bits + framing_bits),
/// so message.payload_bits() is the sum of the tensor codecs' payload bits.
struct TensorWireBits {
  /// The tensor codec's exact message size (its own header included): what it would report
  /// alone.
  std::uint64_t codec_bits = 0;
  /// Of codec_bits, the tensor codec's header (codec id, numel).
  std::uint64_t codec_header_bits = 0;
  /// The length field, plus the zero padding of the tensor's message to a byte boundary (which
  /// travels, since the next length field starts at the next byte), except for the last tensor,
  /// whose trailing padding is not counted (Message.bits excludes the final padding).
  std::uint64_t framing_bits = 0;

  std::uint64_t total() const { return codec_bits + framing_bits; }
};

class LayeredCompressor final : public CodecOf<LayeredCompressor> {
 public:
  /// codecs[t] compresses tensor t of `layout` (codecs.size() == layout.num_tensors()). The
  /// layout must cover its buffer without gaps (an entry that no codec sends would make the
  /// composition neither unbiased nor contractive). Each codec is checked against its tensor's
  /// numel (e.g. topk:k=100 on a 50-entry bias). `description` is returned by spec(); empty:
  /// spec() lists every tensor's codec. InvalidArgument naming the tensor on any violation.
  LayeredCompressor(ParamLayout layout, std::vector<TensorCodec> codecs,
                    std::string description = "");

  std::string name() const override { return "layered"; }
  /// "layered{<description>}", e.g. "layered{rank<=1 -> identity:precision=32; default -> ...}".
  std::string spec() const override;
  CodecId id() const override { return CodecId::layered; }
  /// Requires d == layout().size() (InvalidArgument otherwise). The composition is
  /// block-diagonal, Q(x) = (Q_1(x_1), ..., Q_T(x_T)), so
  ///   E||Q(x) - x||^2 = sum_t E||Q_t(x_t) - x_t||^2 <= sum_t omega_t ||x_t||^2
  ///                   <= (max_t omega_t) ||x||^2,
  /// which holds whether or not the tensors' randomness is independent (only linearity of
  /// expectation over the blocks is used). Hence: unbiased iff every tensor codec is, omega =
  /// max omega_t (infinity unless all are unbiased); likewise contractive with
  /// 1 - 1/delta = max_t (1 - 1/delta_t), i.e. delta = max delta_t (infinity if any tensor codec
  /// is not contractive); expected density = sum of the tensors' densities; deterministic iff
  /// every tensor codec is.
  CompressorProperties properties(std::size_t d) const override;

  const ParamLayout& layout() const { return layout_; }
  std::size_t num_tensors() const { return codecs_.size(); }
  const Compressor& codec(std::size_t t) const { return *codecs_.at(t).codec; }
  const std::vector<TensorCodec>& assignment() const { return codecs_; }
  /// Tensor t's codec's properties at its numel.
  const CompressorProperties& tensor_properties(std::size_t t) const { return tensor_props_.at(t); }
  /// One line per tensor, for logs: "name [shape] numel -> codec spec (origin)".
  std::string describe() const;

  /// encode() that also writes each tensor's share of the message into `report`
  /// (report.size() == num_tensors(); std::invalid_argument otherwise). Allocation-free in
  /// steady state like encode().
  void encode_with_report(std::span<const double> x, Rng& rng, Message& out,
                          std::span<TensorWireBits> report) const;
  void encode_with_report(std::span<const float> x, Rng& rng, Message& out,
                          std::span<TensorWireBits> report) const;

  // The CodecOf hooks (codec_of.hpp); defined for float and double in the .cpp.
  template <class T>
  void encode_as(std::span<const T> x, Rng& rng, Message& out) const;
  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng shared) const;

 private:
  template <class T>
  void encode_impl(std::span<const T> x, Rng& rng, Message& out,
                   std::span<TensorWireBits> report) const;
  void check_dim(std::size_t d, const char* what) const;

  ParamLayout layout_;
  std::vector<TensorCodec> codecs_;
  std::vector<CompressorProperties> tensor_props_;
  CompressorProperties props_;
  std::string description_;
};

}  // namespace dcopt
