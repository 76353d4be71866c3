#pragma once
// "Keep a shift and update it with my decoded message" (DIANA's h_i, VR-DIANA's h_i, EF21's g_i):
//   worker i:  m_i = Q_i(v_i - h_i) is sent;       later  h_i <- h_i + alpha m_i
//   server:    m   = (1/n) sum_i m_i;              later  h   <- h   + alpha m
// so that h = (1/n) sum_i h_i holds after every round (up to round-off). Every worker runs the
// server role too, so each holds its own h_i and the common h. The two halves are separate
// calls because methods read the estimator at different moments (textbook DIANA uses h^k + m,
// the reference code's DIANA and EF21 use h^{k+1}).
//
// Buffers are allocated once; exchange() and advance() do not allocate (the Exchange reuses its
// message buffers).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

template <class T>
class CompressedShift {
 public:
  /// alpha in (0, 1]: how far the shifts move towards the new vectors.
  CompressedShift(std::size_t dim, double alpha);

  /// Starts from h_i = `local` and h = `mean` (e.g. the exact gradients at x^0 and their mean).
  /// By default both are zero.
  void reset(std::span<const T> local, std::span<const T> mean);

  /// Sends Q(v - h_i) through `exchange` with the options' streams, weights and scale
  /// (my_decoded is ignored: the shift keeps its own). Afterwards message_mean() = m; the shifts
  /// have not moved yet. Returns this worker's uplink bits.
  std::uint64_t exchange(WorkerContext& ctx, Exchange<T>& exchange, const Compressor& codec,
                         std::span<const T> v, std::uint64_t round,
                         const BasicExchangeOptions<T>& opt = {});

  /// h_i += alpha m_i, h += alpha m.
  void advance();

  double alpha() const { return alpha_; }
  std::span<const T> local() const { return local_; }        ///< h_i
  std::span<const T> mean() const { return mean_; }          ///< h (server)
  std::span<const T> message_mean() const { return msg_; }   ///< m of the last exchange
  std::span<const T> my_message() const { return my_msg_; }  ///< m_i of the last exchange

  /// State: h_i and h (the messages are per round).
  void save(StateWriter& w, std::string_view prefix) const;
  void load(StateReader& r, std::string_view prefix);

 private:
  double alpha_;
  std::vector<T> local_, mean_, diff_, msg_, my_msg_;
};

extern template class CompressedShift<double>;
extern template class CompressedShift<float>;

}  // namespace dcopt
