#pragma once
// PowerSgdCompressor<T>: PowerSGD (Vogels, Karimireddy, Jaggi 2019; ALGORITHMS.md §1.12) as a
// StatefulCompressor over a ParamLayout, with the options of PyTorch's powerSGD_hook. Per step,
// on every worker, with this worker's vector x (its gradient) and v = e + x:
//
//   phase 0   send P_i = M_i Q per compressed matrix M (a view of v, rows x cols), followed by
//             the values of every other tensor (identity fp32)
//   absorb 0  P = GramSchmidt(mean_i P_i)              (identical on every worker)
//   phase 1   send Q_i = M_i^T P per compressed matrix (identity fp32)
//   absorb 1  Q = mean_i Q_i (kept: the warm start of the next step); estimate = P Q^T per
//             compressed matrix, mean_i v_i for the other tensors; e = v - estimate
//
// The residual is taken against the aggregated approximation (the PowerSGD authors' and
// PyTorch's formulation), for every tensor: a dense tensor keeps e_i = v_i - mean_j v_j.
// If rank(mean_i M_i) <= r, one step reproduces mean_i M_i up to rounding (P spans its columns
// for a generic Q). Orthogonalizing Q before phase 0, as newer PyTorch versions do, would not
// change P's Gram-Schmidt basis (with epsilon 0), so it is not done.
//
// Which tensors are compressed: a tensor of rank >= 2 is the rows() x cols() matrix of
// ParamTensor (first dimension x the rest); with r = min(matrix_approximation_rank, rows, cols)
// it is compressed iff rows*cols > min_compression_rate * r*(rows + cols) (PyTorch's
// _should_compress, strict: a matrix that saves exactly that factor is sent dense) and
// rows*cols > min_numel (the MASHA paper's size threshold; 0 by default). Tensors of
// rank <= 1 and the matrices that fail the rule are sent dense in phase 0. Entries of the
// buffer outside every tensor (layout gaps) are neither sent nor estimated: their estimate is 0.
// If no matrix is compressed, every step is the single dense phase 0 (with error feedback as
// above), and phases() is 1.
//
// Warm-up: the first start_powerSGD_iter steps (counted from 0 since construction or reset())
// are one dense phase over all tensors, estimate = mean_i x_i, and no error feedback (e stays 0),
// as PyTorch's vanilla all-reduce before compression starts. phases() and phase_dim() tell the
// step in progress after begin() (stateful_compressor.hpp).
//
// Randomness: Q starts N(0, 1) from Rng(seed, Purpose::init, 0, 0), the same on every worker
// (every worker builds the compressor with the same options), matrices in layout order, each
// cols x r row-major. Without warm start, the c-th compressed step (c = 0, 1, ... after the
// warm-up) draws a fresh Q from Rng(seed, Purpose::init, 0, c): its first compressed step uses
// the same Q as with warm start. encode() draws nothing from its rng (identity messages).
//
// Arithmetic: the products M Q, M^T P, P Q^T and the Gram-Schmidt sums are accumulated in
// double in a fixed order and rounded to T once, so results are deterministic and do not depend
// on the worker count or thread timing. A column of P that is exactly zero (a zero gradient)
// stays zero instead of becoming 0/0 with epsilon 0 (PyTorch would produce NaN).
//
// State (per worker, identical Q on every worker): e (dim() entries), Q (cols*r per compressed
// matrix), the step counter. Buffers are sized at construction: no allocation per step.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/compress/stateful_compressor.hpp"
#include "dcopt/core/param_layout.hpp"

namespace dcopt {

/// PyTorch's PowerSGDState options (same names), with its defaults except start_powerSGD_iter.
struct PowerSgdOptions {
  /// r >= 1; per matrix min(r, rows, cols).
  std::size_t matrix_approximation_rank = 1;
  /// Dense warm-up steps before compression starts (PyTorch's default is 1000; 0 here).
  std::uint64_t start_powerSGD_iter = 0;
  /// A matrix is compressed only if rows*cols > min_compression_rate * r*(rows+cols); >= 0.
  double min_compression_rate = 2.0;
  /// A matrix is compressed only if it has more than min_numel entries (0: every matrix that
  /// passes the rate rule). The MASHA paper's threshold: compress only tensors above 2^16
  /// entries, the same tensors its mixed 8-bit quantizes (not a PyTorch option).
  std::uint64_t min_numel = 0;
  /// Added to each column norm in Gram-Schmidt (PyTorch 0; ALGORITHMS.md's text 1e-8); >= 0.
  double orthogonalization_epsilon = 0.0;
  /// Keep e = v - estimate (true) or send every step's x alone (false).
  bool use_error_feedback = true;
  /// Reuse Q from the previous step (true) or draw a fresh one every step (false).
  bool warm_start = true;
  /// Names the shared Q streams (PyTorch's random_seed, default 0).
  std::uint64_t seed = 0;
};

template <class T>
class PowerSgdCompressor final : public StatefulCompressor<T> {
 public:
  /// One compressed matrix: tensor `tensor` of the layout as rows x cols with rank r; its P is
  /// entries [p_offset, p_offset + rows*rank) of the P's (rows x rank, row-major) and its Q
  /// entries [q_offset, q_offset + cols*rank) of the Q's (cols x rank, row-major).
  struct Matrix {
    std::size_t tensor = 0;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::size_t rank = 0;
    std::size_t p_offset = 0;
    std::size_t q_offset = 0;
  };

  /// InvalidArgument for a rank of 0 or a negative / non-finite rate or epsilon.
  explicit PowerSgdCompressor(ParamLayout layout, PowerSgdOptions options = {});

  std::string name() const override { return "powersgd"; }
  /// E.g. "powersgd(rank=4,start_iter=0,min_compression_rate=2,eps=0,ef=1,warm_start=1,seed=0)".
  std::string spec() const override;
  std::size_t dim() const override { return layout_.size(); }
  std::size_t phases() const override;
  std::size_t max_phases() const override { return matrices_.empty() ? 1 : 2; }
  /// identity:precision=32 for every phase.
  const Compressor& phase_codec(std::size_t p) const override;
  /// Warm-up (or nothing compressed): phase 0 = every tensor's numel. Compressed steps:
  /// phase 0 = sum rows*r + the dense tensors' numel, phase 1 = sum cols*r.
  std::size_t phase_dim(std::size_t p) const override;

  void begin(std::span<const T> x) override;
  void encode(std::size_t p, Rng& rng, Message& out) override;
  void absorb(std::size_t p, std::span<const T> aggregate, std::span<T> estimate) override;

  void reset() override;
  /// Fields: powersgd.spec (text), the layout's layout.* fields, powersgd.step,
  /// powersgd.error (dim() values of T), powersgd.q (every Q, in matrix order).
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

  const PowerSgdOptions& options() const { return options_; }
  const ParamLayout& layout() const { return layout_; }
  /// The compressed matrices, in layout order.
  const std::vector<Matrix>& matrices() const { return matrices_; }
  /// Layout indices of the tensors sent dense in compressed steps, in layout order.
  const std::vector<std::size_t>& dense_tensors() const { return dense_; }
  /// Steps completed since construction or reset().
  std::uint64_t steps() const { return step_; }
  /// Whether the step in progress (after begin()) or the next one is a dense warm-up step.
  bool warming_up() const { return step_ < options_.start_powerSGD_iter; }
  /// The error memory e (between steps; during a step it holds v = e + x).
  std::span<const T> error() const { return e_; }
  /// Matrix m's Q (cols x rank, row-major): between steps the warm start of the next step.
  std::span<const T> q(std::size_t m) const;
  /// Matrix m's orthogonalized P (rows x rank, row-major), valid between absorb 0 and the end
  /// of the step.
  std::span<const T> p(std::size_t m) const;

 private:
  struct Range {
    std::size_t offset = 0;
    std::size_t numel = 0;
  };
  void expect_active(std::size_t p, bool encoded, const char* call) const;
  void draw_q(std::uint64_t stream);
  void orthogonalize(const Matrix& m);
  void finish_step();
  std::span<T> matrix_view(const Matrix& m) { return layout_.view(std::span<T>(e_), m.tensor); }

  ParamLayout layout_;
  PowerSgdOptions options_;
  CompressorPtr identity_;
  std::vector<Matrix> matrices_;
  std::vector<std::size_t> dense_;
  std::vector<Range> all_ranges_;    // every tensor, layout order (warm-up message, e)
  std::vector<Range> dense_ranges_;  // the dense tensors, layout order
  std::size_t p_total_ = 0, q_total_ = 0, dense_numel_ = 0, all_numel_ = 0;

  std::vector<T> e_;          // e between steps, v during a step
  std::vector<T> q_;          // every Q
  std::vector<T> p_;          // every P (own, then orthogonalized mean)
  std::vector<T> send_;       // this phase's message values
  std::vector<T> dense_avg_;  // the dense part of the aggregate
  std::vector<double> acc_;   // double accumulators (max over matrices of rows*r, cols*r)
  std::uint64_t step_ = 0;

  bool active_ = false;  // between begin() and the last absorb()
  bool encoded_ = false;
  std::size_t next_phase_ = 0;
};

extern template class PowerSgdCompressor<double>;
extern template class PowerSgdCompressor<float>;

}  // namespace dcopt
