#include "dcopt/compress/error_feedback_compressor.hpp"

#include <stdexcept>
#include <utility>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {

template <class T>
ErrorFeedbackCompressor<T>::ErrorFeedbackCompressor(CompressorPtr codec, std::size_t dim)
    : codec_(std::move(codec)), e_(dim, T{0}) {
  if (!codec_) throw InvalidArgument("error feedback: no codec");
  layered_ = std::dynamic_pointer_cast<const LayeredCompressor>(codec_);
  // Validates the dimension against the codec (a layered codec's layout, a sparsifier's k).
  try {
    codec_->properties(dim);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument("error feedback over '" + codec_->spec() + "' at dimension " +
                          std::to_string(dim) + ": " + e.what());
  }
}

template <class T>
ErrorFeedbackCompressor<T>::ErrorFeedbackCompressor(std::shared_ptr<const LayeredCompressor> codec)
    : ErrorFeedbackCompressor(CompressorPtr(codec), codec ? codec->layout().size() : 0) {}

template <class T>
void ErrorFeedbackCompressor<T>::expect(Stage s, const char* call) const {
  if (stage_ != s) {
    static const char* const names[] = {"between steps", "after begin()", "after encode()"};
    throw std::logic_error(std::string("error feedback: ") + call + " called " +
                           names[static_cast<int>(stage_)] + "; expected " +
                           names[static_cast<int>(s)]);
  }
}

template <class T>
const Compressor& ErrorFeedbackCompressor<T>::phase_codec(std::size_t p) const {
  if (p != 0) throw std::out_of_range("error feedback has one phase");
  return *codec_;
}

template <class T>
std::size_t ErrorFeedbackCompressor<T>::phase_dim(std::size_t p) const {
  if (p != 0) throw std::out_of_range("error feedback has one phase");
  return e_.size();
}

template <class T>
void ErrorFeedbackCompressor<T>::begin(std::span<const T> x) {
  expect(Stage::idle, "begin()");
  vec::axpy(T{1}, x, std::span<T>(e_));  // e now holds v = e + x
  stage_ = Stage::begun;
}

template <class T>
void ErrorFeedbackCompressor<T>::encode(std::size_t p, Rng& rng, Message& out) {
  if (p != 0) throw std::out_of_range("error feedback has one phase");
  expect(Stage::begun, "encode()");
  // C(v) is what the receivers decode from these bytes with the sender's stream; decoding it
  // with a copy of that stream gives the same C(v), so e = v - C(v) is exactly what is missing
  // from the aggregate.
  const Rng shared = rng;
  codec_->encode(std::span<const T>(e_), rng, out);
  codec_->decode_add(out.bytes, -1.0, std::span<T>(e_), shared);
  stage_ = Stage::encoded;
}

template <class T>
void ErrorFeedbackCompressor<T>::absorb(std::size_t p, std::span<const T> aggregate,
                                        std::span<T> estimate) {
  if (p != 0) throw std::out_of_range("error feedback has one phase");
  expect(Stage::encoded, "absorb()");
  if (aggregate.data() != estimate.data()) vec::copy(aggregate, estimate);
  stage_ = Stage::idle;
}

template <class T>
void ErrorFeedbackCompressor<T>::reset() {
  vec::fill(std::span<T>(e_), T{0});
  stage_ = Stage::idle;
}

template <class T>
std::span<const T> ErrorFeedbackCompressor<T>::residual(std::size_t t) const {
  if (!layered_)
    throw std::logic_error("error feedback: per-tensor residual needs a layered codec");
  return layered_->layout().view(std::span<const T>(e_), t);
}

template <class T>
void ErrorFeedbackCompressor<T>::save(StateWriter& w) const {
  expect(Stage::idle, "save()");
  w.text("ef.spec", spec());
  w.u64("ef.dim", e_.size());
  w.boolean("ef.layered", layered_ != nullptr);
  if (layered_) layered_->layout().write_state(w);
  write_values(w, "ef.residual", std::span<const T>(e_));
}

template <class T>
void ErrorFeedbackCompressor<T>::load(StateReader& r) {
  expect(Stage::idle, "load()");
  const std::string stored = r.text("ef.spec");
  if (stored != spec()) {
    throw DataError("error feedback state was saved for '" + stored + "', this run has '" + spec() +
                    "'");
  }
  const std::uint64_t d = r.u64("ef.dim");
  if (d != e_.size()) {
    throw DataError("error feedback state has dimension " + std::to_string(d) + ", this run has " +
                    std::to_string(e_.size()));
  }
  const bool layered = r.boolean("ef.layered");
  if (layered != (layered_ != nullptr)) {
    throw DataError(std::string("error feedback state was saved ") +
                    (layered ? "with" : "without") + " a parameter layout, this run has " +
                    (layered_ ? "one" : "none"));
  }
  if (layered_) {
    expect_same_layout(ParamLayout::read_state(r), layered_->layout(), "error feedback state");
  }
  // Read into a copy so that a failed load leaves the residual as it was.
  std::vector<T> e(e_.size());
  read_values(r, "ef.residual", std::span<T>(e));
  e_ = std::move(e);
}

template class ErrorFeedbackCompressor<double>;
template class ErrorFeedbackCompressor<float>;

}  // namespace dcopt
