#include "dcopt/methods/vi/eg.hpp"

#include "dcopt/methods/options/dense_method_options.hpp"
#include "dcopt/methods/vi/operator_method.hpp"

namespace dcopt {

std::unique_ptr<Method> make_eg(const Settings& s, const ViSetup& setup) {
  const MethodOptions opt = read_dense_method_options(s, "eg", "qeg or masha1");
  const double theory = 0.5 / setup.constants.L;
  const double gamma = opt.stepsize(theory);
  return make_operator_method({"eg",
                               OperatorMethodSpec::Kind::extragradient,
                               opt.dense,
                               opt.server,
                               gamma,
                               {{"gamma", gamma}, {"gamma_theory", theory}}},
                              setup);
}

}  // namespace dcopt
