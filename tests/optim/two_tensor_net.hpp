#pragma once
// The fixture of the optimizer tests: a layout of two tensors, "w" [2, 3] (entries 0..5) and
// "b" [3] (entries 6..8), with starting parameters and two gradients chosen by hand (non-dyadic
// values, so that an arithmetic order different from the documented one shows in the last bit).
#include <cmath>
#include <string>
#include <vector>

#include "dcopt/core/param_layout.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/optim/update_rule.hpp"

namespace dcopt::optim_test {

inline ParamLayout two_tensor_layout() { return ParamLayout::packed({{"w", {2, 3}}, {"b", {3}}}); }

inline std::vector<float> start_params() {
  return {0.5f, -1.2f, 2.0f, 0.3f, -0.7f, 1.1f, 0.1f, -0.2f, 0.05f};
}
inline std::vector<float> grad1() {
  return {0.2f, -0.4f, 0.1f, 0.3f, 0.05f, -0.6f, 0.5f, -0.1f, 0.25f};
}
inline std::vector<float> grad2() {
  return {-0.1f, 0.3f, 0.2f, -0.25f, 0.15f, 0.4f, 0.35f, 0.05f, -0.3f};
}

/// true iff tensor i ("w": entries 0..5) or not ("b": 6..8).
inline bool in_w(std::size_t i) { return i < 6; }

/// ||x[begin, end)||_2 in double, summed in index order as ParamLayout::norms does.
inline double slice_norm(const std::vector<float>& x, std::size_t begin, std::size_t end) {
  double s = 0.0;
  for (std::size_t i = begin; i < end; ++i) s += static_cast<double>(x[i]) * x[i];
  return std::sqrt(s);
}

inline std::vector<std::uint8_t> saved(const UpdateRule& rule) {
  StateWriter w;
  rule.save(w);
  return w.take();
}

inline void load_into(UpdateRule& rule, const std::vector<std::uint8_t>& bytes) {
  StateReader r(bytes, "test state");
  rule.load(r);
  r.expect_end();
}

}  // namespace dcopt::optim_test
