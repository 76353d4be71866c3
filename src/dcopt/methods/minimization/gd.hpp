#pragma once
// Distributed gradient descent: the uncompressed parent of every method here.
//   workers send grad f_i(x^k) (dense); server averages and broadcasts; x^{k+1} = x^k - gamma g^k.
// Theory stepsize: 1/L_f. Settings: precision, server_codec, gamma, gamma_multiplier; a `codec`
// key is an InvalidArgument pointing to dcgd / marina (GD sends dense vectors, never compressed).
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_gd(const Settings& s, const MinimizationSetup& setup);

}  // namespace dcopt
