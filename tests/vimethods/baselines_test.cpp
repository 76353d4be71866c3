// The VI baselines of the MASHA bilinear experiment (ALGORITHMS.md §5.4) and the settings
// contract of every VI method.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "dcopt/core/error.hpp"
#include "vi_run.hpp"

namespace dcopt {
namespace {

using testing_vi::game_params;
using testing_vi::make_settings;
using testing_vi::run_vi;
using testing_vi::ViRunOptions;

TEST(Eg, ConvergesLinearlyWithTheoryStepsize) {
  const BilinearGame game(game_params(1.0));
  ViRunOptions o;
  o.max_iterations = 500;
  o.stop_below = 1e-10;
  auto r = run_vi(game, "eg", make_settings({{"precision", std::int64_t{64}}}), o);
  EXPECT_LT(r.dist2.back(), 1e-10);
  for (const StepCost& c : r.steps) EXPECT_EQ(c.full_grads, 2u);
  std::cout << "[eg] " << r.iterations << " iterations\n";  // measured: 59
}

// EG on the pure bilinear game (lambda = 0) converges too (the control GDA fails).
TEST(Eg, ConvergesOnPureBilinearGame) {
  const BilinearGame game(game_params(0.0));
  ViRunOptions o;
  o.max_iterations = 20000;
  o.stop_below = 1e-10;
  auto r = run_vi(game, "eg", make_settings({{"precision", std::int64_t{64}}}), o);
  EXPECT_LT(r.dist2.back(), 1e-10);
  std::cout << "[eg, lambda = 0] " << r.iterations << " iterations\n";
}

TEST(EgVr, ConvergesOnFiniteSumGame) {
  const BilinearGame game(game_params(1.0, 10, 5, 20));
  ViRunOptions o;
  o.max_iterations = 20000;
  o.stop_below = 1e-10;
  auto r = run_vi(game, "eg_vr", make_settings({{"precision", std::int64_t{64}}}), o);
  EXPECT_LT(r.dist2.back(), 1e-10);
  EXPECT_DOUBLE_EQ(r.parameters["p"], 1.0 / 20);
  EXPECT_DOUBLE_EQ(r.parameters["alpha"], 1 - 1.0 / 20);
  std::cout << "[eg_vr r=20 b=1] " << r.iterations << " iterations\n";
}

// The negative control: on min_x max_y of the bilinear game with lambda = 0 and h = 0, every
// GDA step multiplies the error's modes by sqrt(1 + gamma^2 sigma^2) > 1.
TEST(Gda, DivergesOnPureBilinearGame) {
  const BilinearGame game(game_params(0.0));
  ViRunOptions o;
  o.max_iterations = 2000;
  auto r = run_vi(game, "gda", make_settings({}), o);
  const double last = r.dist2.back();
  EXPECT_TRUE(!std::isfinite(last) || last > 1e12 * r.dist2[0]);  // ||.|| grew > 1e6 x
  std::cout << "[gda, lambda = 0] ||z - z*||^2: " << r.dist2[0] << " -> " << r.dist2[100]
            << " after 100 its\n";
}

TEST(Gda, ConvergesOnStronglyMonotoneGame) {
  const BilinearGame game(game_params(1.0));
  ViRunOptions o;
  o.max_iterations = 2000;
  o.stop_below = 1e-10;
  auto r = run_vi(game, "gda", make_settings({{"precision", std::int64_t{64}}}), o);
  EXPECT_LT(r.dist2.back(), 1e-10);
}

// Observed (seed 1, lambda = 1): QGDA with RandK 30% drops from 1.85 to ~0.2 in 100 iterations
// and then wanders between ~0.1 and ~0.5: a compression-noise floor. Robust facts tested: it
// makes progress, and it does not reach 1e-4 in 3000 iterations (MASHA1 gets to 1e-10 in ~600).
TEST(Qgda, StallsAtCompressionNoiseFloor) {
  const BilinearGame game(game_params(1.0));
  ViRunOptions o;
  o.max_iterations = 3000;
  auto r = run_vi(game, "qgda", make_settings({{"codec", "randk:ratio=0.3"}}), o);
  EXPECT_LT(r.dist2[100], 0.5 * r.dist2[0]);
  const double best = *std::min_element(r.dist2.begin() + 1000, r.dist2.end());
  EXPECT_GT(best, 1e-4);
}

// Observed (seed 1, lambda = 1): EF-GDA with Top30% goes 1.85 -> 6e-3 in 100 iterations and
// then stays between ~3e-3 and ~6e-3: error feedback with heterogeneous F_m(z*) != 0 has a
// floor at this stepsize. With lambda = 0 it diverges (as the paper reports).
TEST(EfGda, StallsOnStronglyMonotoneAndDivergesOnBilinear) {
  {
    const BilinearGame game(game_params(1.0));
    ViRunOptions o;
    o.max_iterations = 3000;
    auto r = run_vi(game, "ef_gda", make_settings({{"precision", std::int64_t{64}}}), o);
    EXPECT_LT(r.dist2[100], 0.1 * r.dist2[0]);
    const double best = *std::min_element(r.dist2.begin() + 1000, r.dist2.end());
    EXPECT_GT(best, 1e-5);
  }
  {
    const BilinearGame game(game_params(0.0));
    ViRunOptions o;
    o.max_iterations = 2000;
    auto r = run_vi(game, "ef_gda", make_settings({}), o);
    const double last = r.dist2.back();
    EXPECT_TRUE(!std::isfinite(last) || last > 1e12 * r.dist2[0]);
  }
}

// EF-GDA with the identity codec keeps e = 0 and is GDA (gamma given so both use the same).
TEST(EfGda, IdentityCodecIsGda) {
  const BilinearGame game(game_params(1.0));
  ViRunOptions o;
  o.max_iterations = 50;
  o.keep_iterates = true;
  auto ef = run_vi(
      game, "ef_gda",
      make_settings(
          {{"codec", "identity:precision=64"}, {"precision", std::int64_t{64}}, {"gamma", 0.1}}),
      o);
  auto gda =
      run_vi(game, "gda", make_settings({{"precision", std::int64_t{64}}, {"gamma", 0.1}}), o);
  for (std::size_t k = 1; k < ef.iterates.size(); ++k) {
    EXPECT_LT(std::sqrt(vec::dist2_sq(ef.iterates[k], gda.iterates[k])),
              1e-12 * vec::norm2(gda.iterates[k]));
  }
}

// ---- bad settings -----------------------------------------------------------------------

void expect_invalid(const std::string& method, const Settings& s,
                    const std::vector<std::string>& needles) {
  const BilinearGame game(game_params(1.0));
  ViRunOptions o;
  o.max_iterations = 1;
  try {
    run_vi(game, method, s, o);
    ADD_FAILURE() << method << ": expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    for (const auto& n : needles) EXPECT_NE(what.find(n), std::string::npos) << what;
  }
}

TEST(ViSettings, TauOutsideHalfOpenUnitIntervalIsRejected) {
  expect_invalid("masha1", make_settings({{"codec", "randk:ratio=0.3"}, {"tau", 1.0}}),
                 {"tau", "0 <= tau < 1"});
  expect_invalid("masha1", make_settings({{"codec", "randk:ratio=0.3"}, {"tau", -0.1}}),
                 {"tau", "0 <= tau < 1"});
  expect_invalid("masha2", make_settings({{"tau", 1.5}}), {"tau", "0 <= tau < 1"});
  expect_invalid("eg_vr", make_settings({{"alpha", 1.0}}), {"alpha", "0 <= alpha < 1"});
}

TEST(ViSettings, BiasedCodecForMasha1IsRejected) {
  expect_invalid("masha1", make_settings({{"codec", "topk:ratio=0.3"}}),
                 {"codec", "topk", "unbiased"});
  expect_invalid("masha1",
                 make_settings({{"codec", "randk:ratio=0.3"}, {"server_codec", "topk:k=2"}}),
                 {"server_codec", "unbiased"});
  expect_invalid("qgda", make_settings({{"codec", "topk:ratio=0.3"}}), {"codec", "unbiased"});
}

TEST(ViSettings, UnscaledUnbiasedCodecForMasha2IsRejected) {
  expect_invalid("masha2", make_settings({{"codec", "randk:ratio=0.3"}}),
                 {"codec", "randk", "contractive"});
  expect_invalid("ef_gda", make_settings({{"codec", "randk:ratio=0.3"}}), {"contractive"});
}

TEST(ViSettings, UnknownKeyAndUnknownMethodAreRejected) {
  expect_invalid("masha1", make_settings({{"codec", "randk:ratio=0.3"}, {"taus", 0.5}}), {"taus"});
  expect_invalid("eg", make_settings({{"codec", "randk:ratio=0.3"}}), {"codec", "qeg"});
  expect_invalid("masha3", make_settings({}), {"masha3", "masha1"});
}

TEST(ViSettings, BatchLargerThanTermsAndBadStepsizeModeAreRejected) {
  expect_invalid("masha1",
                 make_settings({{"codec", "randk:ratio=0.3"}, {"batch", std::int64_t{2}}}),
                 {"batch", "<= 1"});
  expect_invalid("masha1", make_settings({{"codec", "randk:ratio=0.3"}, {"stepsize", "theory"}}),
                 {"stepsize", "paper"});
}

TEST(ViSettings, Masha2RejectsConstrainedProblems) {
  const BilinearGame game(game_params(1.0));
  ViRunOptions o;
  o.max_iterations = 1;
  o.h = CompositeTerm(ConstraintSet::box(-1, 1));
  EXPECT_THROW(run_vi(game, "masha2", make_settings({}), o), InvalidArgument);
}

}  // namespace
}  // namespace dcopt
