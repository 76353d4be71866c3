#include "dcopt/compress/powersgd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {

template <class T>
PowerSgdCompressor<T>::PowerSgdCompressor(ParamLayout layout, PowerSgdOptions options)
    : layout_(std::move(layout)), options_(options), identity_(make_compressor("identity")) {
  if (options_.matrix_approximation_rank < 1) {
    throw InvalidArgument("powersgd: matrix_approximation_rank must be >= 1");
  }
  if (!(options_.min_compression_rate >= 0.0) || !std::isfinite(options_.min_compression_rate)) {
    throw InvalidArgument("powersgd: min_compression_rate must be finite and >= 0");
  }
  if (!(options_.orthogonalization_epsilon >= 0.0) ||
      !std::isfinite(options_.orthogonalization_epsilon)) {
    throw InvalidArgument("powersgd: orthogonalization_epsilon must be finite and >= 0");
  }
  std::size_t max_acc = 0;
  for (std::size_t t = 0; t < layout_.num_tensors(); ++t) {
    const ParamTensor& tensor = layout_[t];
    all_ranges_.push_back({tensor.offset, tensor.numel()});
    all_numel_ += tensor.numel();
    bool compress = false;
    if (tensor.is_matrix_like()) {
      const std::size_t rows = tensor.rows(), cols = tensor.cols();
      const std::size_t r = std::min({options_.matrix_approximation_rank, rows, cols});
      // PyTorch's _should_compress: compressed_size * min_compression_rate < uncompressed_size,
      // in double as there (sizes of real tensors are far below 2^53).
      const double uncompressed = static_cast<double>(rows) * static_cast<double>(cols);
      const double compressed = static_cast<double>(r) * static_cast<double>(rows + cols);
      compress = compressed * options_.min_compression_rate < uncompressed &&
                 tensor.numel() > options_.min_numel;
      if (compress) {
        matrices_.push_back({t, rows, cols, r, p_total_, q_total_});
        p_total_ += rows * r;
        q_total_ += cols * r;
        max_acc = std::max({max_acc, rows * r, cols * r});
      }
    }
    if (!compress) {
      dense_.push_back(t);
      dense_ranges_.push_back({tensor.offset, tensor.numel()});
      dense_numel_ += tensor.numel();
    }
  }
  e_.assign(layout_.size(), T{0});
  q_.assign(q_total_, T{0});
  p_.assign(p_total_, T{0});
  send_.reserve(std::max({p_total_ + dense_numel_, q_total_, all_numel_}));
  dense_avg_.assign(all_numel_, T{0});
  acc_.assign(max_acc, 0.0);
  draw_q(0);
}

template <class T>
std::string PowerSgdCompressor<T>::spec() const {
  // min_numel only when set, so that the spec of every earlier run reads as it did.
  const std::string min_numel =
      options_.min_numel > 0 ? fmt::format(",min_numel={}", options_.min_numel) : std::string();
  return fmt::format(
      "powersgd(rank={},start_iter={},min_compression_rate={}{},eps={},ef={},warm_start={},"
      "seed={})",
      options_.matrix_approximation_rank, options_.start_powerSGD_iter,
      options_.min_compression_rate, min_numel, options_.orthogonalization_epsilon,
      options_.use_error_feedback ? 1 : 0, options_.warm_start ? 1 : 0, options_.seed);
}

template <class T>
std::size_t PowerSgdCompressor<T>::phases() const {
  return warming_up() ? 1 : max_phases();
}

template <class T>
const Compressor& PowerSgdCompressor<T>::phase_codec(std::size_t p) const {
  if (p >= phases()) throw std::out_of_range("powersgd: no phase " + std::to_string(p));
  return *identity_;
}

template <class T>
std::size_t PowerSgdCompressor<T>::phase_dim(std::size_t p) const {
  if (p >= phases()) throw std::out_of_range("powersgd: no phase " + std::to_string(p));
  if (warming_up()) return all_numel_;
  return p == 0 ? p_total_ + dense_numel_ : q_total_;
}

template <class T>
std::span<const T> PowerSgdCompressor<T>::q(std::size_t m) const {
  const Matrix& mat = matrices_.at(m);
  return std::span<const T>(q_).subspan(mat.q_offset, mat.cols * mat.rank);
}

template <class T>
std::span<const T> PowerSgdCompressor<T>::p(std::size_t m) const {
  const Matrix& mat = matrices_.at(m);
  return std::span<const T>(p_).subspan(mat.p_offset, mat.rows * mat.rank);
}

template <class T>
void PowerSgdCompressor<T>::draw_q(std::uint64_t stream) {
  Rng rng(options_.seed, Purpose::init, 0, stream);
  for (T& v : q_) v = static_cast<T>(rng.normal());
}

template <class T>
void PowerSgdCompressor<T>::expect_active(std::size_t p, bool encoded, const char* call) const {
  if (!active_) {
    throw std::logic_error(std::string("powersgd: ") + call + " called between steps");
  }
  if (p != next_phase_ || encoded_ != encoded) {
    throw std::logic_error(std::string("powersgd: ") + call + " for phase " + std::to_string(p) +
                           " out of order (expected " + (encoded_ ? "absorb" : "encode") +
                           " of phase " + std::to_string(next_phase_) + ")");
  }
}

template <class T>
void PowerSgdCompressor<T>::begin(std::span<const T> x) {
  if (active_) throw std::logic_error("powersgd: begin() called during a step");
  if (x.size() != e_.size()) {
    throw std::invalid_argument("powersgd: begin() with " + std::to_string(x.size()) +
                                " entries, expected " + std::to_string(e_.size()));
  }
  // v = e + x per tensor (gaps stay 0). e is zero in warm-up and without error feedback.
  const bool keep = !warming_up() && options_.use_error_feedback;
  for (const Range& r : all_ranges_) {
    for (std::size_t i = r.offset; i < r.offset + r.numel; ++i) {
      e_[i] = keep ? static_cast<T>(e_[i] + x[i]) : x[i];
    }
  }
  if (!warming_up() && !options_.warm_start) draw_q(step_ - options_.start_powerSGD_iter);
  active_ = true;
  encoded_ = false;
  next_phase_ = 0;
}

template <class T>
void PowerSgdCompressor<T>::encode(std::size_t p, Rng& rng, Message& out) {
  expect_active(p, false, "encode()");
  send_.resize(phase_dim(p));
  if (warming_up()) {
    std::size_t k = 0;
    for (const Range& r : all_ranges_) {
      std::copy_n(e_.begin() + static_cast<std::ptrdiff_t>(r.offset), r.numel,
                  send_.begin() + static_cast<std::ptrdiff_t>(k));
      k += r.numel;
    }
  } else if (p == 0) {
    // P_i = M Q: row a of P is sum_b M[a, b] Q[b, :].
    for (const Matrix& m : matrices_) {
      const std::span<const T> M = matrix_view(m);
      const T* Q = q_.data() + m.q_offset;
      T* P = send_.data() + m.p_offset;
      const std::size_t r = m.rank;
      for (std::size_t a = 0; a < m.rows; ++a) {
        double* acc = acc_.data();
        std::fill_n(acc, r, 0.0);
        const T* row = M.data() + a * m.cols;
        for (std::size_t b = 0; b < m.cols; ++b) {
          const double v = static_cast<double>(row[b]);
          const T* qb = Q + b * r;
          for (std::size_t j = 0; j < r; ++j) acc[j] += v * static_cast<double>(qb[j]);
        }
        for (std::size_t j = 0; j < r; ++j) P[a * r + j] = static_cast<T>(acc[j]);
      }
    }
    std::size_t k = p_total_;
    for (const Range& r : dense_ranges_) {
      std::copy_n(e_.begin() + static_cast<std::ptrdiff_t>(r.offset), r.numel,
                  send_.begin() + static_cast<std::ptrdiff_t>(k));
      k += r.numel;
    }
  } else {
    // Q_i = M^T P: row b of Q is sum_a M[a, b] P[a, :], accumulated over the rows of M in order.
    for (const Matrix& m : matrices_) {
      const std::span<const T> M = matrix_view(m);
      const T* P = p_.data() + m.p_offset;
      const std::size_t r = m.rank;
      double* acc = acc_.data();
      std::fill_n(acc, m.cols * r, 0.0);
      for (std::size_t a = 0; a < m.rows; ++a) {
        const T* row = M.data() + a * m.cols;
        const T* pa = P + a * r;
        for (std::size_t b = 0; b < m.cols; ++b) {
          const double v = static_cast<double>(row[b]);
          double* qb = acc + b * r;
          for (std::size_t j = 0; j < r; ++j) qb[j] += v * static_cast<double>(pa[j]);
        }
      }
      T* Q = send_.data() + m.q_offset;
      for (std::size_t i = 0; i < m.cols * r; ++i) Q[i] = static_cast<T>(acc[i]);
    }
  }
  identity_->encode(std::span<const T>(send_), rng, out);
  encoded_ = true;
}

// Modified Gram-Schmidt on the columns of P (rows x r), in double, as PyTorch's _orthogonalize:
// normalize column i by (norm + epsilon), then remove it from the later columns.
template <class T>
void PowerSgdCompressor<T>::orthogonalize(const Matrix& m) {
  const std::size_t r = m.rank, rows = m.rows;
  T* P = p_.data() + m.p_offset;
  double* G = acc_.data();  // rows x r, row-major
  for (std::size_t i = 0; i < rows * r; ++i) G[i] = static_cast<double>(P[i]);
  for (std::size_t i = 0; i < r; ++i) {
    double sq = 0.0;
    for (std::size_t a = 0; a < rows; ++a) sq += G[a * r + i] * G[a * r + i];
    const double norm = std::sqrt(sq) + options_.orthogonalization_epsilon;
    // An exactly zero column (zero input) stays zero rather than 0/0.
    if (norm > 0.0) {
      for (std::size_t a = 0; a < rows; ++a) G[a * r + i] /= norm;
    }
    for (std::size_t j = i + 1; j < r; ++j) {
      double d = 0.0;
      for (std::size_t a = 0; a < rows; ++a) d += G[a * r + i] * G[a * r + j];
      for (std::size_t a = 0; a < rows; ++a) G[a * r + j] -= d * G[a * r + i];
    }
  }
  for (std::size_t i = 0; i < rows * r; ++i) P[i] = static_cast<T>(G[i]);
}

template <class T>
void PowerSgdCompressor<T>::absorb(std::size_t p, std::span<const T> aggregate,
                                   std::span<T> estimate) {
  expect_active(p, true, "absorb()");
  if (aggregate.size() != phase_dim(p)) {
    throw std::invalid_argument("powersgd: absorb() with an aggregate of " +
                                std::to_string(aggregate.size()) + " entries, expected " +
                                std::to_string(phase_dim(p)));
  }
  const bool last = p + 1 == phases();
  if (last && estimate.size() != e_.size()) {
    throw std::invalid_argument("powersgd: absorb() with an estimate of " +
                                std::to_string(estimate.size()) + " entries, expected " +
                                std::to_string(e_.size()));
  }
  // Read the aggregate before writing the estimate: they may share memory.
  if (warming_up()) {
    std::copy(aggregate.begin(), aggregate.end(), dense_avg_.begin());
  } else if (p == 0) {
    std::copy_n(aggregate.begin(), p_total_, p_.begin());
    std::copy(aggregate.begin() + static_cast<std::ptrdiff_t>(p_total_), aggregate.end(),
              dense_avg_.begin());
    for (const Matrix& m : matrices_) orthogonalize(m);
  } else {
    std::copy(aggregate.begin(), aggregate.end(), q_.begin());
  }
  encoded_ = false;
  ++next_phase_;
  if (!last) return;

  if (!layout_.covers_buffer()) std::fill(estimate.begin(), estimate.end(), T{0});
  const std::vector<Range>& dense = warming_up() ? all_ranges_ : dense_ranges_;
  std::size_t k = 0;
  for (const Range& r : dense) {
    std::copy_n(dense_avg_.begin() + static_cast<std::ptrdiff_t>(k), r.numel,
                estimate.begin() + static_cast<std::ptrdiff_t>(r.offset));
    k += r.numel;
  }
  if (!warming_up()) {
    // estimate = P Q^T: entry (a, b) = sum_j P[a, j] Q[b, j].
    for (const Matrix& m : matrices_) {
      const std::span<T> out = layout_.view(estimate, m.tensor);
      const T* P = p_.data() + m.p_offset;
      const T* Q = q_.data() + m.q_offset;
      const std::size_t r = m.rank;
      for (std::size_t a = 0; a < m.rows; ++a) {
        for (std::size_t b = 0; b < m.cols; ++b) {
          double s = 0.0;
          for (std::size_t j = 0; j < r; ++j) {
            s += static_cast<double>(P[a * r + j]) * static_cast<double>(Q[b * r + j]);
          }
          out[a * m.cols + b] = static_cast<T>(s);
        }
      }
    }
  }
  // e = v - estimate (the aggregated approximation), or 0 in warm-up / without error feedback.
  const bool keep = !warming_up() && options_.use_error_feedback;
  for (const Range& r : all_ranges_) {
    for (std::size_t i = r.offset; i < r.offset + r.numel; ++i) {
      e_[i] = keep ? static_cast<T>(e_[i] - estimate[i]) : T{0};
    }
  }
  finish_step();
}

template <class T>
void PowerSgdCompressor<T>::finish_step() {
  active_ = false;
  encoded_ = false;
  next_phase_ = 0;
  ++step_;
}

template <class T>
void PowerSgdCompressor<T>::reset() {
  std::fill(e_.begin(), e_.end(), T{0});
  std::fill(p_.begin(), p_.end(), T{0});
  draw_q(0);
  step_ = 0;
  active_ = false;
  encoded_ = false;
  next_phase_ = 0;
}

template <class T>
void PowerSgdCompressor<T>::save(StateWriter& w) const {
  if (active_) throw std::logic_error("powersgd: save() called during a step");
  w.text("powersgd.spec", spec());
  layout_.write_state(w);
  w.u64("powersgd.step", step_);
  write_values(w, "powersgd.error", std::span<const T>(e_));
  write_values(w, "powersgd.q", std::span<const T>(q_));
}

template <class T>
void PowerSgdCompressor<T>::load(StateReader& r) {
  if (active_) throw std::logic_error("powersgd: load() called during a step");
  const std::string stored = r.text("powersgd.spec");
  if (stored != spec()) {
    throw DataError("powersgd state was saved for '" + stored + "', this run has '" + spec() + "'");
  }
  expect_same_layout(ParamLayout::read_state(r), layout_, "powersgd state");
  const std::uint64_t step = r.u64("powersgd.step");
  // Read into copies so that a failed load leaves the state as it was.
  std::vector<T> e(e_.size()), q(q_.size());
  read_values(r, "powersgd.error", std::span<T>(e));
  read_values(r, "powersgd.q", std::span<T>(q));
  step_ = step;
  e_ = std::move(e);
  q_ = std::move(q);
}

template class PowerSgdCompressor<double>;
template class PowerSgdCompressor<float>;

}  // namespace dcopt
