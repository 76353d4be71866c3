#include "dcopt/train/hessian_power_iteration.hpp"

#include <chrono>
#include <cmath>

#include "dcopt/core/error.hpp"

namespace dcopt::train {
namespace {

// <a, b> over the tensor lists, accumulated in double.
double dot(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    s += (a[i].to(torch::kFloat64) * b[i].to(torch::kFloat64)).sum().item<double>();
  }
  return s;
}

void scale(std::vector<torch::Tensor>& v, double f) {
  for (auto& t : v) t = t * f;
}

}  // namespace

PowerIterationResult hessian_top_eigenvalue(const std::function<torch::Tensor()>& loss_fn,
                                            const std::vector<torch::Tensor>& params,
                                            torch::Generator& gen, const PowerIterationOptions& o) {
  if (o.max_iterations < 1 || !(o.tolerance >= 0)) {
    throw InvalidArgument("hessian power iteration: needs max_iterations >= 1, tolerance >= 0");
  }
  if (params.empty()) throw InvalidArgument("hessian power iteration: no parameters");
  const auto t0 = std::chrono::steady_clock::now();
  const torch::Tensor loss = loss_fn();
  if (loss.numel() != 1) throw InvalidArgument("hessian power iteration: the loss is not a scalar");
  const std::vector<torch::Tensor> g = torch::autograd::grad({loss}, params, {},
                                                             /*retain_graph=*/true,
                                                             /*create_graph=*/true);
  std::vector<torch::Tensor> v;
  for (const auto& p : params)
    v.push_back(torch::randn(p.sizes(), gen, p.options().requires_grad(false)));
  scale(v, 1.0 / std::sqrt(dot(v, v)));
  PowerIterationResult res;
  for (int k = 0; k < o.max_iterations; ++k) {
    torch::Tensor gv = torch::zeros({}, g[0].options());
    for (std::size_t i = 0; i < g.size(); ++i) gv = gv + (g[i] * v[i]).sum();
    std::vector<torch::Tensor> hv =
        torch::autograd::grad({gv}, params, {}, /*retain_graph=*/true, /*create_graph=*/false,
                              /*allow_unused=*/true);
    for (std::size_t i = 0; i < hv.size(); ++i) {
      if (!hv[i].defined()) hv[i] = torch::zeros_like(v[i]);
      hv[i] = hv[i].detach();
    }
    const double lambda = dot(v, hv);
    res.history.push_back(lambda);
    const double prev = k ? res.history[res.history.size() - 2] : 0.0;
    res.eigenvalue = lambda;
    const double norm = std::sqrt(dot(hv, hv));
    if (norm == 0) {
      res.converged = true;
      break;
    }
    if (k && std::abs(lambda - prev) <= o.tolerance * std::abs(lambda)) {
      res.converged = true;
      break;
    }
    scale(hv, 1.0 / norm);
    v = std::move(hv);
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace dcopt::train
