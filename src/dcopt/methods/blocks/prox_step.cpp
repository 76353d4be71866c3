#include "dcopt/methods/blocks/prox_step.hpp"

#include <stdexcept>

namespace dcopt {
namespace {
void check(std::size_t n, std::span<const double> v, std::span<double> out) {
  if (v.size() != n || out.size() != n) throw std::invalid_argument("prox_step: size mismatch");
}
}  // namespace

void prox_step(const CompositeTerm& h, double gamma, std::span<const double> anchor,
               std::span<const double> g1, std::span<double> out) {
  check(anchor.size(), g1, out);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = anchor[i] - gamma * g1[i];
  h.prox(gamma, out, out);
}

void prox_step(const CompositeTerm& h, double gamma, std::span<const double> anchor,
               std::span<const double> g1, std::span<const double> g2, std::span<double> out) {
  check(anchor.size(), g1, out);
  check(anchor.size(), g2, out);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = anchor[i] - gamma * (g1[i] + g2[i]);
  h.prox(gamma, out, out);
}

}  // namespace dcopt
