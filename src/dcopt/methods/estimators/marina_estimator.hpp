#pragma once
// The MARINA estimator (Gorbunov et al. 2021): one block for MARINA (Alg. 1), VR-MARINA for
// finite sums (Alg. 2) and in the online case (Alg. 3), and PP-MARINA (Alg. 4). Each round:
//   c_k ~ Be(p), the shared coin:
//     1: every worker sends a dense estimate of grad f_i(x^k): the full gradient, or (online) a
//        b-sample minibatch gradient; the server sets g^k = their mean;
//     0: a worker sends Q_i(Delta_i), Delta_i = grad f_i(x^k) - grad f_i(x^{k-1}) (full
//        gradients), or the same difference on one minibatch of b' samples at both points
//        (VR-MARINA); with partial participation only r sampled clients send; the server sets
//        g^k = g^{k-1} + (weighted) mean of the decoded Q_i(Delta_i).
//   the server broadcasts g^k (with the server codec: identity by default).
// g^0 is the dense estimate at x^0, exchanged by init().
//
// State: the server's g and the broadcast copy; the previous full gradient (full differences);
// x^{k-1} when a difference needs the previous point (VR-MARINA, and PP-MARINA's clients that sat
// out the last round); whether the cached previous gradient is current (PP-MARINA).
//
// The coin and the client sample of round k + 1 depend only on the seed and the round, so each
// round ends by drawing the next one's (and round k + 1 uses them): x^k is kept as x_prev only
// when round k + 1 reads it (a compressed round; with PP-MARINA only on a drawn client whose
// cached gradient is stale), not by every client every round. A checkpoint's x_prev is therefore
// the last point that was kept, which is all the next round can read.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"

namespace dcopt {

struct MarinaSpec {
  /// How Delta_i and the dense estimate are formed.
  enum class Differences {
    full,       ///< full local gradients (MARINA, PP-MARINA)
    minibatch,  ///< finite sum: full gradient on coin rounds, b' distinct samples otherwise
    online,     ///< b i.i.d. samples on coin rounds, b' i.i.d. samples otherwise
  };
  CompressorPtr codec;   ///< Q, unbiased
  CompressorPtr dense;   ///< what the dense rounds send with (identity at the run's precision)
  CompressorPtr server;  ///< what the server broadcasts with
  double p = 1.0;        ///< probability of a dense round, 0 < p <= 1
  Differences differences = Differences::full;
  std::size_t batch = 0;       ///< online: b, samples per dense round
  std::size_t batch_diff = 0;  ///< minibatch / online: b', samples per compressed round
  std::size_t clients = 0;     ///< partial participation: r clients per compressed round (0: all)
  ClientSampling sampling = ClientSampling::with_replacement;
  CodecStreams streams = CodecStreams::independent;
};

template <class T>
class MarinaEstimator final : public GradientEstimator<T> {
 public:
  MarinaEstimator(MarinaSpec spec, const EstimatorSetup& e, StreamPlan& streams);

  EstimateTiming timing() const override { return EstimateTiming::after_step; }
  StepCost init(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x) override;
  StepCost update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                  std::uint64_t round) override;
  std::span<const T> estimate() const override { return g_; }
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

  const MarinaSpec& spec() const { return spec_; }

 private:
  /// What a round does, from the shared streams alone: the coin and (PP-MARINA) the clients.
  struct RoundPlan {
    std::uint64_t round = 0;  ///< 0: none
    bool dense = false;
    bool drawn = true;  ///< this worker sends in a compressed round
    ClientSample clients;
  };
  bool keeps_previous_point() const;
  void plan(const WorkerContext& ctx, RoundPlan& p, std::uint64_t round) const;
  /// The plan of `round`: the one drawn at the end of the round before, else drawn now.
  const RoundPlan& plan_of(const WorkerContext& ctx, std::uint64_t round);
  /// After round `round` (0: init): plans round + 1 and copies x into x_prev_ if it reads it.
  void keep_point_for_next_round(const WorkerContext& ctx, std::span<const T> x,
                                 std::uint64_t round);
  /// The dense estimate of grad f_i at x: a view of the oracle's buffer.
  std::span<const T> dense_estimate(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                                    std::uint64_t round, StepCost& cost);
  /// diff_ = Delta_i of this round.
  void difference(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                  std::uint64_t round, StepCost& cost);

  MarinaSpec spec_;
  Exchange<T> exchange_;
  MinibatchStream diff_batches_, dense_batches_;
  std::vector<T> g_server_, g_, grad_prev_, x_prev_, diff_, avg_;
  bool have_prev_ = false;
  RoundPlan now_, next_;
  std::vector<std::uint32_t> batch_;
};

extern template class MarinaEstimator<double>;
extern template class MarinaEstimator<float>;

}  // namespace dcopt
