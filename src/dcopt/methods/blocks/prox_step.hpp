#pragma once
// "The prox step" every VI method here is made of (MASHA paper Algorithm 1, Korpelevich's
// extragradient, GDA):
//   out = prox_{gamma h}( anchor - gamma * (g1 + g2) )
// with g2 optional (MASHA1 steps along F(w^k) + the compressed difference). gamma is a stepsize
// (units of z per unit of F). `out` may alias `anchor` but not g1/g2.
#include <span>

#include "dcopt/problems/composite_term.hpp"

namespace dcopt {

void prox_step(const CompositeTerm& h, double gamma, std::span<const double> anchor,
               std::span<const double> g1, std::span<double> out);

void prox_step(const CompositeTerm& h, double gamma, std::span<const double> anchor,
               std::span<const double> g1, std::span<const double> g2, std::span<double> out);

}  // namespace dcopt
