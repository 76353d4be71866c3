#include "dcopt/experiment/problem_source.hpp"

#include <fmt/format.h>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

// ---- bilinear game (MASHA eq. (13)) -------------------------------------------------------

class BilinearSource final : public ProblemSource {
 public:
  BilinearSource(const ProblemConfig& problem, int workers, std::uint64_t seed) {
    const Settings& s = problem.settings;
    BilinearGameParams p;
    p.dim = static_cast<std::size_t>(s.integer("dim", 100, 1, 100000));
    p.num_devices = static_cast<std::size_t>(workers);
    p.lambda = s.number("lambda", 1.0, 0.0, 1e12);
    p.num_terms = static_cast<std::size_t>(s.integer("num_terms", 1, 1, 1000000));
    p.term_noise = s.number("term_noise", 1.0, 0.0, 1e12);
    p.matrices = s.choice("matrices", "positive_definite", {"positive_definite", "gaussian"}) ==
                         "gaussian"
                     ? BilinearMatrices::gaussian
                     : BilinearMatrices::positive_definite;
    p.seed = seed;
    auto lo = s.optional_number("box_lo");
    auto hi = s.optional_number("box_hi");
    s.reject_unused();
    ConstraintSet set;
    if (lo || hi) {
      if (!lo || !hi || !(*lo < *hi)) {
        throw InvalidArgument(s.context() +
                              ": box_lo and box_hi: give both, with box_lo < box_hi (Z = "
                              "[box_lo, box_hi]^d; omit both for Z = R^d)");
      }
      set = ConstraintSet::box(*lo, *hi);
    }
    game_ = std::make_shared<const BilinearGame>(p);
    // dist_sq is measured to the game's unconstrained saddle point; it solves the constrained
    // VI only if it lies in Z.
    if (!set.contains(game_->solution(), 1e-12)) {
      throw InvalidArgument(s.context() + ": the box [" + fmt::format("{}, {}", *lo, *hi) +
                            "] does not contain the saddle point z* (|z*|_inf is about " +
                            fmt::format("{:.3g}", max_abs(game_->solution())) +
                            "); widen it so that dist_sq to z* is meaningful");
    }
    h_ = CompositeTerm(set, 0.0);
    description_ = fmt::format("bilinear game d={} per block (z in R^{}), M={}, lambda={}, r={}, Z={}",
                               p.dim, 2 * p.dim, p.num_devices, p.lambda, p.num_terms,
                               set.describe());
  }

  std::string describe() const override { return description_; }
  std::unique_ptr<ProblemInstance> make_worker(int rank) const override {
    return make_bilinear_instance(game_, rank, h_);
  }

 private:
  static double max_abs(std::span<const double> v) {
    double m = 0;
    for (double x : v) m = std::max(m, std::abs(x));
    return m;
  }
  std::shared_ptr<const BilinearGame> game_;
  CompositeTerm h_;
  std::string description_;
};

}  // namespace

std::unique_ptr<ProblemSource> make_problem_source(const ProblemConfig& problem, int workers,
                                                   std::uint64_t seed) {
  if (problem.kind == "bilinear") return std::make_unique<BilinearSource>(problem, workers, seed);
  throw InvalidArgument(problem.settings.context() + ": kind = \"" + problem.kind +
                        "\": this build has no such problem yet");
}

}  // namespace dcopt
