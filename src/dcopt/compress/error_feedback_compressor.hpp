#pragma once
// ErrorFeedbackCompressor<T>: error feedback (Seide et al.; Karimireddy et al., "EF-SGD") as a
// StatefulCompressor around any stateless codec C. Per step, with this worker's vector x:
//
//   v = e + x;   send C(v);   e <- v - C(v)
//
// where C(v) is what every receiver decodes from the sent message (decoded here from the very
// bytes sent, with a copy of the same stream). Telescoping: after K steps,
//   sum_k C(v_k) + e_K = sum_k x_k
// (exactly in exact arithmetic; each step rounds e once in T), so nothing put in is lost, only
// delayed. With a LayeredCompressor the residual is per tensor: C is block-diagonal, so each
// tensor's residual depends on that tensor only, and residual(t) is its view.
//
// State (per worker, never shared): e, dim() entries of T, zero initially. The message is C's
// own message: receivers decode it with phase_codec(0) == C, statelessly.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/compress/layered_compressor.hpp"
#include "dcopt/compress/stateful_compressor.hpp"

namespace dcopt {

template <class T>
class ErrorFeedbackCompressor final : public StatefulCompressor<T> {
 public:
  /// EF over `codec` for vectors of `dim` entries. If `codec` is a LayeredCompressor, dim must
  /// be its layout's size, and the layout is saved with the state and verified on load.
  ErrorFeedbackCompressor(CompressorPtr codec, std::size_t dim);
  /// EF per tensor of the layered codec's layout.
  explicit ErrorFeedbackCompressor(std::shared_ptr<const LayeredCompressor> codec);

  std::string name() const override { return "ef"; }
  std::string spec() const override { return "ef(" + codec_->spec() + ")"; }
  std::size_t dim() const override { return e_.size(); }
  std::size_t phases() const override { return 1; }
  const Compressor& phase_codec(std::size_t p) const override;
  std::size_t phase_dim(std::size_t p) const override;

  void begin(std::span<const T> x) override;
  void encode(std::size_t p, Rng& rng, Message& out) override;
  void absorb(std::size_t p, std::span<const T> aggregate, std::span<T> estimate) override;

  void reset() override;
  /// Fields: ef.spec (text), ef.dim, ef.layered (bool) [+ the layout's layout.* fields],
  /// ef.residual (dim() values of T).
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

  /// The residual e (after begin(): v = e + x, until encode()).
  std::span<const T> residual() const { return e_; }
  /// Tensor t's residual (requires a layered codec; std::logic_error otherwise).
  std::span<const T> residual(std::size_t t) const;
  /// The layered codec's layout, or nullptr when the codec is not layered.
  const ParamLayout* layout() const { return layered_ ? &layered_->layout() : nullptr; }

 private:
  enum class Stage { idle, begun, encoded };
  void expect(Stage s, const char* call) const;

  CompressorPtr codec_;
  std::shared_ptr<const LayeredCompressor> layered_;  // codec_ when it is layered
  std::vector<T> e_;
  Stage stage_ = Stage::idle;
};

}  // namespace dcopt
