#pragma once
// What a method needs of its codec, checked once at construction with a message that names the
// codec, the method and why (the theory the method rests on).
#include <cstddef>
#include <string>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/settings.hpp"

namespace dcopt {

/// The codec must be unbiased (class U(omega)); returns its properties at dimension d.
/// Otherwise InvalidArgument: "<context>: codec '<spec>' is biased; <method> needs an unbiased
/// codec (<why>)".
CompressorProperties require_unbiased(const Settings& s, const Compressor& codec, std::size_t d,
                                      const std::string& method, const std::string& why);

/// A contractive codec as the method will use it.
struct ContractiveUse {
  double delta = 1.0;  ///< E||C(x)-x||^2 <= (1 - 1/delta) ||x||^2
  double scale = 1.0;  ///< multiply decoded messages by this (1/(omega+1) for scaled Q)
};

/// The codec must be contractive (finite delta); or, if `scale_unbiased`, an unbiased Q in
/// U(omega) used as C = Q/(omega+1), which is contractive with delta = omega+1. Otherwise
/// InvalidArgument naming the codec and suggesting scale_unbiased = true.
ContractiveUse require_contractive(const Settings& s, const Compressor& codec, std::size_t d,
                                   const std::string& method, bool scale_unbiased);

}  // namespace dcopt
