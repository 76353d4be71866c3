#include "dcopt/methods/blocks/stream_plan.hpp"

#include <algorithm>
#include <stdexcept>

namespace dcopt {

unsigned StreamPlan::take(const std::string& name, unsigned& next, const char* kind) {
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    throw std::logic_error("stream '" + name + "' is reserved twice");
  }
  if (next >= kSlotsPerRound) {
    throw std::logic_error("stream '" + name + "': all " + std::to_string(kSlotsPerRound) + " " +
                           kind + " slots of a round are taken");
  }
  names_.push_back(name);
  return next++;
}

ExchangeStream StreamPlan::exchange(const std::string& name) {
  return ExchangeStream(take(name, next_exchange_, "exchange"));
}

MinibatchStream StreamPlan::minibatch(const std::string& name) {
  return MinibatchStream(take(name, next_minibatch_, "minibatch"));
}

}  // namespace dcopt
