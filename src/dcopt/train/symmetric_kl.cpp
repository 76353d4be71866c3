#include "dcopt/train/symmetric_kl.hpp"

#include <fmt/format.h>

#include "dcopt/core/error.hpp"

namespace dcopt::train {
namespace {

std::string shape_of(const torch::Tensor& t) {
  std::string s = "(";
  for (std::int64_t i = 0; i < t.dim(); ++i) {
    if (i) s += ", ";
    s += std::to_string(t.size(i));
  }
  return s + ")";
}

void check_same_2d(const char* what, const torch::Tensor& a, const torch::Tensor& b) {
  if (!a.defined() || !b.defined() || a.dim() != 2 || !a.sizes().equals(b.sizes())) {
    throw InvalidArgument(fmt::format("{}: shapes {} and {}; valid: two equal (N, C) shapes", what,
                                      a.defined() ? shape_of(a) : "undefined",
                                      b.defined() ? shape_of(b) : "undefined"));
  }
}

}  // namespace

torch::Tensor symmetric_kl(const torch::Tensor& a_logits, const torch::Tensor& b_logits) {
  check_same_2d("symmetric_kl", a_logits, b_logits);
  if (a_logits.size(1) < 2) {
    throw InvalidArgument(
        fmt::format("symmetric_kl: {} columns; valid: C >= 2 label logits", a_logits.size(1)));
  }
  const torch::Tensor log_p = torch::log_softmax(a_logits, 1);
  const torch::Tensor log_q = torch::log_softmax(b_logits, 1);
  // KL(P||Q) + KL(Q||P) = sum_c (p - q)(log p - log q): one expression, symmetric by form.
  return ((log_p.exp() - log_q.exp()) * (log_p - log_q)).sum(1).mean();
}

torch::Tensor squared_error(const torch::Tensor& a, const torch::Tensor& b) {
  check_same_2d("squared_error", a, b);
  if (a.size(1) != 1) {
    throw InvalidArgument(
        fmt::format("squared_error: {} columns; valid: (N, 1) regression outputs", a.size(1)));
  }
  return (a - b).square().sum(1).mean();
}

torch::Tensor output_divergence(const torch::Tensor& a, const torch::Tensor& b) {
  check_same_2d("output_divergence", a, b);
  return a.size(1) == 1 ? squared_error(a, b) : symmetric_kl(a, b);
}

}  // namespace dcopt::train
