#pragma once
// The four VI methods that only average operator values, GDA, QGDA (compressed GDA), EG and QEG
// (compressed extragradient), differ in what they read from their settings and in their theory
// stepsize, not in their iteration: one Method runs all four.
//   forward:        z = prox_{gamma h}(z - gamma Fbar(z))
//   extragradient:  z_half = prox_{gamma h}(z - gamma Fbar(z)); z = prox_{gamma h}(z - gamma
//   Fbar(z_half))
// with Fbar(z) = Q^serv[(1/M) sum_m Q_m(F_m(z))] (OperatorAverage); the extragradient's two
// averages use two exchanges (their own codec streams).
#include <map>
#include <memory>
#include <string>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"

namespace dcopt {

struct OperatorMethodSpec {
  enum class Kind { forward, extragradient };
  std::string name;
  Kind kind = Kind::forward;
  CompressorPtr codec;   ///< what the devices send (the dense identity for GDA and EG)
  CompressorPtr server;  ///< what the server broadcasts with
  double gamma = 0;
  std::map<std::string, double> parameters;  ///< for summaries
};

std::unique_ptr<Method> make_operator_method(OperatorMethodSpec spec, const ViSetup& setup);

}  // namespace dcopt
