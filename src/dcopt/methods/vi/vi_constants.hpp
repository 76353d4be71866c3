#pragma once
// The constants the VI methods' theory stepsizes need (MASHA paper Assumptions 1-2, Theorem 1),
// gathered once, collectively, from every device's Operator. Mirrors problem_constants.hpp.
//
// Units: Lipschitz constants in units of F per unit of z; mu in units of F per unit of z;
// r is a count of terms.
#include <cstddef>
#include <optional>
#include <vector>

#include "dcopt/methods/worker_context.hpp"
#include "dcopt/problems/composite_term.hpp"
#include "dcopt/problems/operator.hpp"

namespace dcopt {

/// What the Operator interface cannot tell about the mean operator F = (1/M) sum F_m; a problem
/// that knows them (e.g. BilinearGame::lipschitz(), strong_monotonicity()) passes them in.
struct ViHints {
  /// Lipschitz constant of the mean operator F.
  std::optional<double> L;
  /// Strong monotonicity mu_F of F (0: monotone).
  std::optional<double> mu_F;
};

struct ViConstants {
  std::size_t dim = 0;
  int workers = 0;
  /// L_m of every device, index m (paper Assumption 1 with r = 1).
  std::vector<double> L_m;
  /// Calligraphic L_m of every device: the "Lipschitz in mean" constant of eq. (6) over its
  /// r terms (equal to L_m when r = 1).
  std::vector<double> L_m_terms;
  /// L-hat = sqrt((1/M) sum L_m^2), and its finite-sum counterpart sqrt((1/M) sum calL_m^2).
  double L_hat = 0.0;
  double L_hat_terms = 0.0;
  double L_max = 0.0;
  /// Lipschitz constant of F: the hint if given, else the bound (1/M) sum L_m (triangle
  /// inequality), which `L_is_bound` then flags.
  double L = 0.0;
  bool L_is_bound = false;
  /// mu_F (hint, else 0: only monotonicity assumed) and mu_h (h's strong convexity, rho).
  double mu_F = 0.0;
  double mu_h = 0.0;
  /// Smallest and largest number of finite-sum terms r over the devices.
  std::size_t r_min = 1;
  std::size_t r_max = 1;

  /// mu_F + mu_h: the modulus of Theorem 1's strongly monotone case (0: monotone case).
  double mu() const { return mu_F + mu_h; }
};

/// Collective (every device calls it once, in the same order as its other collectives): one
/// allreduce of a small table; not method traffic. Hints must agree across devices; to keep the
/// result replicated regardless, the largest L and the smallest mu_F given are used.
ViConstants gather_vi_constants(WorkerContext& ctx, const Operator& local, const CompositeTerm& h,
                                const ViHints& hints = {});

}  // namespace dcopt
