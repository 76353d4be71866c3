#include "dcopt/methods/vi/qeg.hpp"

#include <cmath>

#include "dcopt/methods/options/codec_theory.hpp"
#include "dcopt/methods/options/method_options.hpp"
#include "dcopt/methods/vi/operator_method.hpp"

namespace dcopt {

std::unique_ptr<Method> make_qeg(const Settings& s, const ViSetup& setup) {
  const ViConstants& c = setup.constants;
  const MethodOptions opt = read_method_options(s, "natural");
  const double omega = unbiased_q(s, "codec", *opt.codec, c.dim, "qeg") - 1.0;
  const double L_eff = std::sqrt(c.L * c.L + 2.0 * omega * c.L_hat * c.L_hat / c.workers);
  const double theory = 0.5 / L_eff;
  const double gamma = opt.stepsize(theory);
  return make_operator_method({"qeg",
                               OperatorMethodSpec::Kind::extragradient,
                               opt.codec,
                               opt.server,
                               gamma,
                               {{"gamma", gamma}, {"gamma_theory", theory}, {"omega", omega}}},
                              setup);
}

}  // namespace dcopt
