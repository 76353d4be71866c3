#include "dcopt/methods/vi/gda.hpp"

#include "dcopt/methods/options/dense_method_options.hpp"
#include "dcopt/methods/vi/operator_method.hpp"

namespace dcopt {

double gda_theory_stepsize(double mu, double L) { return mu > 0 ? mu / (L * L) : 1.0 / L; }

std::unique_ptr<Method> make_gda(const Settings& s, const ViSetup& setup) {
  const MethodOptions opt = read_dense_method_options(s, "gda", "qgda");
  const double theory = gda_theory_stepsize(setup.constants.mu(), setup.constants.L);
  const double gamma = opt.stepsize(theory);
  return make_operator_method({"gda",
                               OperatorMethodSpec::Kind::forward,
                               opt.dense,
                               opt.server,
                               gamma,
                               {{"gamma", gamma}, {"gamma_theory", theory}}},
                              setup);
}

}  // namespace dcopt
