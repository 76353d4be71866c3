#include "dcopt/experiment/problem_source.hpp"

#include <fmt/format.h>

#include <optional>

#include "dcopt/core/error.hpp"
#include "dcopt/data/split.hpp"
#include "dcopt/experiment/dataset_input.hpp"
#include "dcopt/experiment/memory_budget.hpp"
#include "dcopt/experiment/problem_catalog.hpp"
#include "dcopt/problems/dataset_problem.hpp"
#include "dcopt/problems/quadratic.hpp"

namespace dcopt {
namespace {

// ---- logistic / nonconvex_binary on a LibSVM file or IDX images
// ------------------------------------------

class DatasetSource final : public ProblemSource {
 public:
  DatasetSource(const ProblemConfig& problem, int workers, std::uint64_t seed) : workers_(workers) {
    const Settings& s = problem.settings;
    options_.kind = parse_problem_kind(problem.kind);
    const bool nonconvex = options_.kind == ProblemKind::nonconvex_binary;
    const DatasetInput input = parse_dataset_input(s, problem.data_root);
    options_.lambda = s.number("lambda", 0.0, 0.0, 1e12);
    // The MARINA reference code's lambda = 1e-6 * L (ALGORITHMS.md §3.5), computed once the
    // data is read.
    const bool reference_lambda = nonconvex && s.boolean("reference_lambda", false);
    if (reference_lambda && s.has("lambda")) {
      throw InvalidArgument(s.context() +
                            ": give either lambda or reference_lambda = true, not both");
    }
    split_.kind =
        parse_split_kind(s.choice("split", "contiguous", {"contiguous", "random", "label_skew"}));
    split_.remainder = s.choice("remainder", "drop", {"drop", "keep"}) == "keep" ? Remainder::spread
                                                                                 : Remainder::drop;
    split_.seed = seed;
    if (s.has("bias")) options_.add_bias = s.boolean("bias", nonconvex);
    if (s.has("bound")) {
      options_.bound = s.choice("bound", "spectral", {"spectral", "max_row_norm"}) == "spectral"
                           ? SmoothnessBound::spectral
                           : SmoothnessBound::max_row_norm;
    }
    if (nonconvex) options_.reference_constant = s.boolean("reference_constant", false);
    const std::optional<double> max_memory = s.optional_number("max_memory", 1e-9, 1e12);
    s.reject_unused();
    data_ = load_dataset(input, s, problem.data_root);
    // Before anything allocates per-feature vectors: a huge index (a typo, a hashed feature
    // space) must not end in std::bad_alloc.
    check_memory(run_memory_bytes(data_.num_features + 1, workers),  // + 1: a bias column
                 max_memory,
                 fmt::format("{}: the largest feature index is {}, so the dimension is {}",
                             input.data.string(), data_.num_features, data_.num_features),
                 fmt::format("set {}.dim (features beyond it are an error), fix the file, or "
                             "raise {}.max_memory (GB)",
                             s.context(), s.context()));
    if (data_.num_rows() < static_cast<std::size_t>(workers)) {
      throw InvalidArgument(s.context() + ": " + input.data.string() + " has " +
                            std::to_string(data_.num_rows()) +
                            " rows, fewer than workers = " + std::to_string(workers));
    }
    if (reference_lambda) {
      options_.lambda = marina_reference_lambda(
          data_, split_rows(data_, static_cast<std::size_t>(workers), split_),
          options_.add_bias.value_or(true));
    }
    const bool bias = options_.add_bias.value_or(nonconvex);
    std::size_t positives = 0;
    for (double y : data_.labels) positives += y > 0 ? 1 : 0;
    description_ = fmt::format(
        "{} on {}{} ({} rows: {} +1 / {} -1, {} features{}), {} split over {} workers, "
        "lambda={}",
        problem.kind, data_.name,
        input.format == DataFormat::idx ? ", " + describe_task(input.task) : "", data_.num_rows(),
        positives, data_.num_rows() - positives, data_.num_features, bias ? " + bias" : "",
        s.string("split", "contiguous"), workers, options_.lambda);
  }

  std::string describe() const override { return description_; }
  std::unique_ptr<ProblemInstance> make_worker(int rank) const override {
    std::shared_ptr<const Objective> f =
        make_worker_objective(data_, static_cast<std::size_t>(workers_),
                              static_cast<std::size_t>(rank), split_, options_);
    return make_minimization_instance(std::move(f));
  }

 private:
  int workers_;
  Dataset data_;
  SplitOptions split_;
  ProblemOptions options_;
  std::string description_;
};

// ---- synthetic least squares with a known solution -----------------------------------------

class QuadraticSource final : public ProblemSource {
 public:
  QuadraticSource(const ProblemConfig& problem, int workers, std::uint64_t seed) {
    const Settings& s = problem.settings;
    spec_.workers = static_cast<std::size_t>(workers);
    spec_.dim = static_cast<std::size_t>(s.integer("dim", 10, 1, 100000));
    spec_.rows = static_cast<std::size_t>(s.integer("rows", 50, 1, 100'000'000));
    spec_.rho = s.number("lambda", 1e-2, 0.0, 1e12);
    spec_.noise = s.number("noise", 0.1, 0.0, 1e12);
    spec_.heterogeneity = s.number("heterogeneity", 0.0, 0.0, 1e6);
    spec_.seed = seed;
    s.reject_unused();
    description_ = fmt::format(
        "quadratic (least squares) d={}, {} rows per worker, {} workers, lambda={}, noise={}, "
        "heterogeneity={}",
        spec_.dim, spec_.rows, workers, spec_.rho, spec_.noise, spec_.heterogeneity);
  }

  std::string describe() const override { return description_; }
  // Each worker generates its own data from (seed, rank): nothing to share.
  std::unique_ptr<ProblemInstance> make_worker(int rank) const override {
    return make_minimization_instance(std::make_shared<const QuadraticObjective>(
        make_quadratic_worker(spec_, static_cast<std::size_t>(rank))));
  }

 private:
  QuadraticSpec spec_;
  std::string description_;
};

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
    p.matrices =
        s.choice("matrices", "positive_definite", {"positive_definite", "gaussian"}) == "gaussian"
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
    description_ =
        fmt::format("bilinear game d={} per block (z in R^{}), M={}, lambda={}, r={}, Z={}", p.dim,
                    2 * p.dim, p.num_devices, p.lambda, p.num_terms, set.describe());
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

std::unique_ptr<ProblemSource> make_dataset_source(const ProblemConfig& problem, int workers,
                                                   std::uint64_t seed) {
  return std::make_unique<DatasetSource>(problem, workers, seed);
}

std::unique_ptr<ProblemSource> make_quadratic_source(const ProblemConfig& problem, int workers,
                                                     std::uint64_t seed) {
  return std::make_unique<QuadraticSource>(problem, workers, seed);
}

std::unique_ptr<ProblemSource> make_bilinear_source(const ProblemConfig& problem, int workers,
                                                    std::uint64_t seed) {
  return std::make_unique<BilinearSource>(problem, workers, seed);
}

std::unique_ptr<ProblemSource> make_problem_source(const ProblemConfig& problem, int workers,
                                                   std::uint64_t seed) {
  // Settings remember which keys were read: work on a copy so the config stays untouched.
  const ProblemConfig p = problem;
  return find_problem_kind(p.kind, problem.settings.context()).make(p, workers, seed);
}

}  // namespace dcopt
