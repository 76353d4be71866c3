#pragma once
// Gradient clipping by the global 2-norm, torch.nn.utils.clip_grad_norm_'s rule. Unlike LAMB's
// trust ratios this norm IS over the whole buffer: it bounds the step of the model as a whole.
#include <span>

namespace dcopt {

/// norm = ||grad||_2 over every entry, accumulated in double. When norm + 1e-6 > max_norm
/// (torch: clip_coef = max_norm / (norm + 1e-6) clamped to at most 1), every entry is multiplied
/// by float(max_norm / (norm + 1e-6)), so the clipped norm is max_norm up to that 1e-6 and float
/// rounding; otherwise grad is untouched. A non-finite norm leaves grad untouched (the caller
/// sees it in the result and decides). Returns the norm before clipping.
/// max_norm must be finite and > 0 (InvalidArgument).
double clip_global_norm(std::span<float> grad, double max_norm);

}  // namespace dcopt
