#include "dcopt/methods/estimators/stateful_averaging_estimator.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {

template <class T>
StatefulAveragingEstimator<T>::StatefulAveragingEstimator(
    std::unique_ptr<StatefulCompressor<T>> compressor, const EstimatorSetup& e, StreamPlan& streams)
    : sc_(std::move(compressor)), estimate_(e.dim, T{0}) {
  if (!sc_) throw InvalidArgument("stateful averaging: no compressor");
  if (sc_->dim() != e.dim) {
    throw InvalidArgument("stateful averaging: " + sc_->spec() + " is for vectors of " +
                          std::to_string(sc_->dim()) + " entries, the problem has " +
                          std::to_string(e.dim));
  }
  const std::size_t phases = sc_->max_phases();
  exchanges_.reserve(phases);
  for (std::size_t p = 0; p < phases; ++p) {
    std::string name = sc_->name();
    name += " phase ";
    name += std::to_string(p);
    exchanges_.emplace_back(streams.exchange(name));
  }
  // The first step's phase sizes; a later step with larger phases grows them once.
  std::size_t most = 0;
  for (std::size_t p = 0; p < sc_->phases(); ++p) most = std::max(most, sc_->phase_dim(p));
  mine_.reserve(most);
  aggregate_.reserve(most);
}

template <class T>
StepCost StatefulAveragingEstimator<T>::update(WorkerContext& ctx, GradientOracle<T>& f,
                                               std::span<const T> x, std::uint64_t round) {
  StepCost cost;
  sc_->begin(f.gradient(x));
  cost.full_grads = 1;
  const std::size_t phases = sc_->phases();
  if (phases > exchanges_.size()) {
    throw std::logic_error(sc_->spec() + ": a step of " + std::to_string(phases) +
                           " phases exceeds max_phases() = " + std::to_string(exchanges_.size()));
  }
  const int n = ctx.size();
  for (std::size_t p = 0; p < phases; ++p) {
    const Compressor& codec = sc_->phase_codec(p);
    Exchange<T>& exchange = exchanges_[p];
    const unsigned slot = exchange.stream().slot();
    const std::size_t d = sc_->phase_dim(p);
    mine_.resize(d);
    aggregate_.resize(d);
    Rng rng = codec_stream(ctx, ctx.rank(), round, slot);
    sc_->encode(p, rng, msg_);
    if (codec.id() == CodecId::identity) {
      // Linear and every worker sends: the allreduce realization of the average. The message
      // is re-encoded from its own decoding, which for the identity gives the same bytes.
      codec.decode(msg_.bytes, std::span<T>(mine_), codec_stream(ctx, ctx.rank(), round, slot));
      const std::uint64_t bits = exchange.average_everywhere(ctx, codec, std::span<const T>(mine_),
                                                             std::span<T>(aggregate_), round);
      if (bits != msg_.bits) {
        throw std::logic_error(sc_->spec() + ": phase " + std::to_string(p) +
                               " message re-encoded to " + std::to_string(bits) + " bits, not " +
                               std::to_string(msg_.bits));
      }
    } else {
      // Every worker needs the average itself (there is no server step): under the server
      // topology the server decodes and sends the exact average back.
      if (ctx.topology == Topology::server) {
        ctx.comm.gather(msg_.bytes, kServerRank, all_);
      } else {
        ctx.comm.allgather(msg_.bytes, all_);
      }
      vec::fill(std::span<T>(aggregate_), T{0});
      for (int w = 0; ctx.runs_server() && w < n; ++w) {
        codec.decode_add(all_[static_cast<std::size_t>(w)], 1.0 / n, std::span<T>(aggregate_),
                         codec_stream(ctx, w, round, slot));
      }
      share_from_server(ctx, std::span<T>(aggregate_), shared_);
    }
    cost.bits_up += msg_.bits;
    sc_->absorb(p, std::span<const T>(aggregate_), std::span<T>(estimate_));
  }
  return cost;
}

template <class T>
void StatefulAveragingEstimator<T>::save(StateWriter& w) const {
  write_values(w, "stateful.estimate", std::span<const T>(estimate_));
  sc_->save(w);
}

template <class T>
void StatefulAveragingEstimator<T>::load(StateReader& r) {
  // Into a copy first, so that a compressor state that does not fit leaves the estimate as it
  // was.
  std::vector<T> estimate(estimate_.size());
  read_values(r, "stateful.estimate", std::span<T>(estimate));
  sc_->load(r);
  estimate_ = std::move(estimate);
}

template class StatefulAveragingEstimator<double>;
template class StatefulAveragingEstimator<float>;

}  // namespace dcopt
