#pragma once
// "Error memory: compress v, keep v - C(v)" (error feedback / EC-SGD, ALGORITHMS.md §2.4):
//   p_i = v_i + e_i;   send C(p_i);   e_i <- p_i - C(p_i);   avg = (1/n) sum_j C(p_j)
// What the codec drops this round is added back next round, so nothing is lost for good. With
// the identity codec e_i stays exactly 0 and avg is the plain average.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/exchange.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

class ErrorFeedback {
 public:
  explicit ErrorFeedback(std::size_t dim);

  /// One round: sends C(v + e_i), writes the average of the decoded messages into `avg` and
  /// keeps the new error. The options' streams, weights and scale apply (my_decoded is ignored).
  /// Returns this worker's uplink bits.
  std::uint64_t exchange(WorkerContext& ctx, const Compressor& codec, std::span<const double> v,
                         std::span<double> avg, std::uint64_t round, unsigned slot,
                         const ExchangeOptions& opt = {});

  std::span<const double> memory() const { return error_; }  ///< e_i

 private:
  vec::Vec error_, corrected_, mine_;
};

}  // namespace dcopt
