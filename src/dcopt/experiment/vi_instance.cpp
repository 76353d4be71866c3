// The ProblemInstance of a variational inequality with a known solution (problem_instance.hpp).
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/experiment/problem_instance.hpp"
#include "dcopt/methods/method_catalog.hpp"
#include "dcopt/methods/vi/vi_constants.hpp"

namespace dcopt {
namespace {

class BilinearInstance final : public ProblemInstance {
 public:
  BilinearInstance(std::shared_ptr<const BilinearGame> game, int rank, CompositeTerm h)
      : game_(std::move(game)),
        op_(game_->make_operator(static_cast<std::size_t>(rank))),
        h_(std::move(h)),
        solution_(game_->solution().begin(), game_->solution().end()) {}

  std::size_t dim() const override { return op_->dim(); }
  const std::vector<std::string>& metric_names() const override { return names_; }

  // The game's L and mu are exact and known to every worker (it is built from the seed); the
  // per-device constants the methods' theory needs are gathered once.
  void prepare(WorkerContext& ctx) override {
    constants_ = gather_vi_constants(ctx, *op_, h_,
                                     ViHints{game_->lipschitz(), game_->strong_monotonicity()});
  }

  std::map<std::string, double> constants() const override {
    return {{"L", game_->lipschitz()},
            {"L_hat", game_->lipschitz_hat()},
            {"mu", game_->strong_monotonicity()},
            {"dim", static_cast<double>(game_->dim())},
            {"num_terms", static_cast<double>(op_->num_terms())},
            {"h_l2", h_.l2()}};
  }

  std::unique_ptr<Method> make_method(const std::string& name, const Settings& s) const override {
    ViSetup setup{*op_, h_, constants_, std::vector<double>(op_->dim(), 0.0)};
    return make_vi_method(name, s, setup);
  }

  void evaluate(WorkerContext& ctx, std::span<const double> z, std::span<double> sums,
                std::span<double> metrics) override {
    // z is replicated and z*, the gap, are global: only the caller's sums need the exchange.
    ctx.comm.allreduce_sum(sums);
    metrics[0] = vec::dist2_sq(z, solution_);
    metrics[1] =
        h_.set().is_bounded() && vec::all_finite(z) ? game_->gap(z, h_.set(), h_) : std::nan("");
  }

 private:
  std::shared_ptr<const BilinearGame> game_;
  std::unique_ptr<Operator> op_;
  CompositeTerm h_;
  std::vector<double> solution_;
  ViConstants constants_;
  std::vector<std::string> names_ = {"dist_sq", "gap"};
};

}  // namespace

std::unique_ptr<ProblemInstance> make_bilinear_instance(std::shared_ptr<const BilinearGame> game,
                                                        int rank, CompositeTerm h) {
  return std::make_unique<BilinearInstance>(std::move(game), rank, std::move(h));
}

}  // namespace dcopt
