#pragma once
// Named random streams of one method, reserved when the method is built.
//
// Every random number of a method comes from a counter-based stream named by (seed, purpose,
// worker, round * kSlotsPerRound + slot) (core/rng.hpp). A method used to pick `slot` integers by
// hand, unchecked: two parts of one method could silently draw the same numbers, and a slot >= 8
// would alias the next round. A StreamPlan hands out the slots instead: each part of a method
// reserves its stream by name when the method is built (an exchange, a minibatch sampler), a name
// can be reserved once, and at most kSlotsPerRound streams of each kind exist. The handles can
// only be made by a plan, so every stream in use was reserved.
//
// Kinds: an ExchangeStream names the codec streams of one exchange (each sender's private stream,
// the shared-codec stream and the server's broadcast stream of that exchange); a MinibatchStream
// names a worker's private minibatch draws. Slots are counted per kind, in reservation order, so
// a method that reserves in the order it used to number its slots draws the same numbers.
#include <cstdint>
#include <string>
#include <vector>

#include "dcopt/core/rng.hpp"

namespace dcopt {

inline constexpr std::uint64_t kSlotsPerRound = 8;

class StreamPlan;

/// The codec streams of one exchange.
class ExchangeStream {
 public:
  unsigned slot() const { return slot_; }

 private:
  friend class StreamPlan;
  explicit ExchangeStream(unsigned slot) : slot_(slot) {}
  unsigned slot_;
};

/// A worker's private minibatch draws.
class MinibatchStream {
 public:
  unsigned slot() const { return slot_; }
  /// The stream worker `rank` draws its round-`round` minibatch from.
  Rng rng(std::uint64_t seed, int rank, std::uint64_t round) const {
    return Rng(seed, Purpose::minibatch, static_cast<std::uint64_t>(rank),
               round * kSlotsPerRound + slot_);
  }

 private:
  friend class StreamPlan;
  explicit MinibatchStream(unsigned slot) : slot_(slot) {}
  unsigned slot_;
};

class StreamPlan {
 public:
  /// Reserves the next exchange slot under `name`. std::logic_error if `name` was reserved
  /// before (of either kind) or all kSlotsPerRound exchange slots are taken.
  ExchangeStream exchange(const std::string& name);
  /// Reserves the next minibatch slot under `name`; same checks.
  MinibatchStream minibatch(const std::string& name);

  /// Names reserved so far, in order (for error messages and tests).
  const std::vector<std::string>& names() const { return names_; }

 private:
  unsigned take(const std::string& name, unsigned& next, const char* kind);
  std::vector<std::string> names_;
  unsigned next_exchange_ = 0;
  unsigned next_minibatch_ = 0;
};

}  // namespace dcopt
