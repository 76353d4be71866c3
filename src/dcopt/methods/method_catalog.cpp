#include "dcopt/methods/method_catalog.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/methods/minimization/dcgd.hpp"
#include "dcopt/methods/minimization/diana.hpp"
#include "dcopt/methods/minimization/ef.hpp"
#include "dcopt/methods/minimization/ef21.hpp"
#include "dcopt/methods/minimization/gd.hpp"
#include "dcopt/methods/minimization/marina.hpp"
#include "dcopt/methods/minimization/powersgd.hpp"
#include "dcopt/methods/minimization/pp_marina.hpp"
#include "dcopt/methods/minimization/vr_diana.hpp"
#include "dcopt/methods/minimization/vr_marina.hpp"
#include "dcopt/methods/vi/ef_gda.hpp"
#include "dcopt/methods/vi/eg.hpp"
#include "dcopt/methods/vi/eg_vr.hpp"
#include "dcopt/methods/vi/gda.hpp"
#include "dcopt/methods/vi/masha1.hpp"
#include "dcopt/methods/vi/masha2.hpp"
#include "dcopt/methods/vi/qeg.hpp"
#include "dcopt/methods/vi/qgda.hpp"

namespace dcopt {
namespace {

using Minimization =
    std::function<std::unique_ptr<Method>(const Settings&, const MinimizationSetup&)>;
using Vi = std::function<std::unique_ptr<Method>(const Settings&, const ViSetup&)>;

template <auto F64, auto F32>
MethodInfo minimization(std::string name, std::string summary, std::string codec,
                        std::vector<MethodKey> keys, Minimization make) {
  MethodInfo m;
  m.name = std::move(name);
  m.family = ProblemFamily::minimization;
  m.summary = std::move(summary);
  m.default_codec = std::move(codec);
  m.keys = std::move(keys);
  m.make_minimization = std::move(make);
  m.make_estimator_f64 = F64;
  m.make_estimator_f32 = F32;
  return m;
}

MethodInfo vi(std::string name, std::string summary, std::string codec, std::vector<MethodKey> keys,
              Vi make) {
  MethodInfo m;
  m.name = std::move(name);
  m.family = ProblemFamily::variational_inequality;
  m.summary = std::move(summary);
  m.default_codec = std::move(codec);
  m.keys = std::move(keys);
  m.make_vi = std::move(make);
  return m;
}

#define DCOPT_ESTIMATORS(name) make_##name##_estimator<double>, make_##name##_estimator<float>

const MethodKey kMarinaP{"p", "probability of a dense round, 0 < p <= 1 (default: theory)"};

MethodInfo powersgd_entry() {
  MethodInfo m = minimization<DCOPT_ESTIMATORS(powersgd)>(
      "powersgd",
      "PowerSGD: rank-r factors of each parameter matrix, two all-reduces, error feedback "
      "(gamma required)",
      "",
      {{"rank", "r, the rank of each matrix's approximation, >= 1 (default 1)"},
       {"start_iter",
        "dense warm-up rounds before compression starts, no error feedback (default 0)"},
       {"min_compression_rate",
        "compress a matrix only if rows*cols > rate * r*(rows+cols), >= 0 (default 2); others "
        "and 1-D tensors go dense (a convex run's vector is one 1-D tensor)"},
       {"min_numel",
        "and only if rows*cols > min_numel, >= 0 (default 0; the MASHA paper compresses only "
        "tensors above 2^16 entries)"},
       {"orthogonalization_epsilon", "added to the column norms in Gram-Schmidt, >= 0 (default 0)"},
       {"error_feedback", "keep e = v - estimate (default true)"},
       {"warm_start", "reuse Q from the previous round (default true; false: a fresh random Q)"}},
      make_powersgd);
  m.own_codec = "its rank-r factors and dense tensors as fp32 values";
  m.theory_stepsize = false;
  return m;
}

std::vector<MethodInfo> build_catalog() {
  return {
      minimization<DCOPT_ESTIMATORS(gd)>("gd", "distributed gradient descent (uncompressed)", "",
                                         {}, make_gd),
      minimization<DCOPT_ESTIMATORS(dcgd)>(
          "dcgd", "distributed compressed GD (QSGD-style): average of Q(grad f_i)", "randk:k=1", {},
          make_dcgd),
      minimization<DCOPT_ESTIMATORS(diana)>(
          "diana", "DIANA: compressed differences to learned shifts", "randk:k=1",
          {{"alpha", "shift step, 0 < alpha <= 1 (default 1/(omega+1))"},
           {"variant",
            "`textbook` (g = h + m) or `reference` (g = h after the shift moved, as "
            "the MARINA paper's code)"},
           {"stepsize_rule",
            "`auto` (convex rule when every f_i declares mu), `nonconvex` or "
            "`convex`"}},
          make_diana),
      minimization<DCOPT_ESTIMATORS(vr_diana)>(
          "vr_diana", "VR-DIANA: DIANA with L-SVRG minibatch gradients", "randk:k=1",
          {{"alpha", "shift step, 0 < alpha <= 1 (default 1/(omega+1))"},
           {"batch", "b, samples per round, 1 <= b <= m (default ceil(m/100))"},
           {"p", "reference refresh probability, 0 < p <= 1 (default b/m)"}},
          make_vr_diana),
      minimization<DCOPT_ESTIMATORS(ef)>(
          "ef", "error feedback (EC-SGD): compress gamma*grad + error memory", "topk:k=1",
          {{"scale_unbiased", "use an unbiased codec scaled by 1/(omega+1) (default false)"}},
          make_ef),
      minimization<DCOPT_ESTIMATORS(ef21)>(
          "ef21", "EF21: compressed differences to a tracked gradient (contractive codecs)",
          "topk:k=1",
          {{"scale_unbiased", "use an unbiased codec scaled by 1/(omega+1) (default false)"},
           {"init", "`exact` (one dense exchange of grad f_i(x^0), default) or `compressed`"}},
          make_ef21),
      powersgd_entry(),
      minimization<DCOPT_ESTIMATORS(marina)>(
          "marina", "MARINA: compressed gradient differences + rare full sync (Alg. 1)",
          "randk:k=1",
          {kMarinaP,
           {"shared_indices",
            "all workers draw the same codec stream each round, as the "
            "reference code (default false: independent, as the theory)"}},
          make_marina),
      minimization<DCOPT_ESTIMATORS(vr_marina)>(
          "vr_marina", "VR-MARINA, finite sums: minibatch gradient differences (Alg. 2)",
          "randk:k=1",
          {{"batch",
            "b', samples per compressed round, 1 <= b' <= m (default "
            "ceil(m/100))"},
           kMarinaP},
          make_vr_marina),
      minimization<DCOPT_ESTIMATORS(vr_marina_online)>(
          "vr_marina_online", "VR-MARINA, online/expectation case: sampled gradients (Alg. 3)",
          "randk:k=1",
          {{"batch", "b, samples per dense round, i.i.d. (default m)"},
           {"batch_diff", "b', samples per compressed round (default ceil(b/100))"},
           kMarinaP},
          make_vr_marina_online),
      minimization<DCOPT_ESTIMATORS(pp_marina)>(
          "pp_marina", "PP-MARINA: MARINA with r sampled clients per round (Alg. 4)", "randk:k=1",
          {{"clients", "r, clients per compressed round, 1 <= r <= n (default ceil(n/2))"},
           {"sampling",
            "`with_replacement` (the paper's rule, default) or "
            "`without_replacement`"},
           kMarinaP},
          make_pp_marina),
      vi("gda", "gradient descent-ascent, uncompressed (negative control on bilinear games)", "",
         {}, make_gda),
      vi("qgda", "compressed GDA, unbiased codec (the MASHA paper's QGD baseline)",
         "natural_dithering", {}, make_qgda),
      vi("ef_gda", "GDA with error feedback, contractive codec (EF baseline)", "topk:ratio=0.3", {},
         make_ef_gda),
      vi("eg", "extragradient (Korpelevich), uncompressed", "", {}, make_eg),
      vi("qeg", "extragradient with compressed operator values at both points", "natural", {},
         make_qeg),
      vi("eg_vr", "variance-reduced extragradient (Alacaoglu-Malitsky), finite-sum oracle", "",
         {{"p", "reference refresh probability (default min(1, b/r_max))"},
          {"alpha", "anchor weight, 0 <= alpha < 1 (default 1 - p)"},
          {"gamma0", "stepsize factor of the theory stepsize, 0 < gamma0 <= 1 (default 0.5)"},
          {"batch", "b, terms per round, 1 <= b <= r (default 1)"}},
         make_eg_vr),
      vi("masha1", "MASHA1: VR extragradient, compressed operator differences (Alg. 1)",
         "natural_dithering",
         {{"tau",
           "anchor weight, 0 <= tau < 1 (default 1 - beta, beta the codec's bit density; "
           "with a minibatch 1 - min(b/r_max, beta))"},
          {"batch", "0: deterministic differences (default); b: a minibatch of b terms"},
          {"stepsize", "`paper` (Theorem 1, default) or `derived` (§5.1's constant)"}},
         make_masha1),
      vi("masha2", "MASHA2: contractive codec + error feedback (ALGORITHMS.md §5.3 reconstruction)",
         "topk:ratio=0.3", {{"tau", "anchor weight, 0 <= tau < 1 (default 1 - 1/delta)"}},
         make_masha2),
  };
}

std::string names_of(ProblemFamily family) {
  std::string valid;
  for (const auto& m : method_catalog()) {
    if (m.family == family) valid += (valid.empty() ? "" : ", ") + m.name;
  }
  return valid;
}

// The factory read every key it knows: anything left is a typo the user must hear about.
template <class R, class Make>
R build_checked(const Settings& s, Make make) {
  R built = make();
  s.reject_unused();
  return built;
}

}  // namespace

const std::vector<MethodInfo>& method_catalog() {
  static const std::vector<MethodInfo> catalog = build_catalog();
  return catalog;
}

const MethodInfo& find_method(const std::string& name, ProblemFamily family, const Settings& s) {
  for (const auto& m : method_catalog()) {
    if (m.name != name) continue;
    if (m.family == family) return m;
    throw InvalidArgument(s.context() + ": method '" + name + "' is a " + to_string(m.family) +
                          " method; this problem is a " + to_string(family) +
                          " problem; valid: " + names_of(family));
  }
  throw InvalidArgument(
      s.context() + ": unknown " +
      (family == ProblemFamily::minimization ? std::string("method") : std::string("VI method")) +
      " '" + name + "'; valid: " + names_of(family));
}

std::unique_ptr<Method> make_minimization_method(const std::string& name, const Settings& s,
                                                 const MinimizationSetup& setup) {
  const MethodInfo& m = find_method(name, ProblemFamily::minimization, s);
  return build_checked<std::unique_ptr<Method>>(s, [&] { return m.make_minimization(s, setup); });
}

std::unique_ptr<Method> make_vi_method(const std::string& name, const Settings& s,
                                       const ViSetup& setup) {
  const MethodInfo& m = find_method(name, ProblemFamily::variational_inequality, s);
  return build_checked<std::unique_ptr<Method>>(s, [&] { return m.make_vi(s, setup); });
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_estimator(const std::string& name, const Settings& s,
                                                     const EstimatorSetup& e, StreamPlan& streams) {
  const MethodInfo& m = find_method(name, ProblemFamily::minimization, s);
  return build_checked<std::unique_ptr<GradientEstimator<T>>>(s, [&] {
    if constexpr (std::is_same_v<T, float>) {
      return m.make_estimator_f32(s, e, streams);
    } else {
      return m.make_estimator_f64(s, e, streams);
    }
  });
}

template std::unique_ptr<GradientEstimator<double>> make_estimator<double>(const std::string&,
                                                                           const Settings&,
                                                                           const EstimatorSetup&,
                                                                           StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_estimator<float>(const std::string&,
                                                                         const Settings&,
                                                                         const EstimatorSetup&,
                                                                         StreamPlan&);

std::string method_keys_markdown() {
  std::string out = "| method | family | `codec` default | keys beyond the common ones |\n";
  out += "|---|---|---|---|\n";
  for (const auto& m : method_catalog()) {
    out += "| `" + m.name + "` | " +
           (m.family == ProblemFamily::minimization ? "minimization" : "VI") + " | " +
           (!m.default_codec.empty() ? "`" + m.default_codec + "`"
            : m.own_codec.empty()    ? std::string("(rejected: sends dense vectors)")
                                     : "(rejected: sends " + m.own_codec + ")") +
           " | ";
    if (m.keys.empty()) out += "none";
    for (std::size_t i = 0; i < m.keys.size(); ++i) {
      out += (i ? "; " : "") + ("`" + m.keys[i].key + "`: " + m.keys[i].meaning);
    }
    out += " |\n";
  }
  return out;
}

}  // namespace dcopt
