#pragma once
// The divergence ScaLA's regularizer measures between the model's clean and perturbed outputs
// (Zhang, Naresh, He 2022, §3.1 "Practical Considerations"; ALGORITHMS.md §6.2):
//   classification (N, C), C >= 2:  KL_sym(P, Q) = KL(P||Q) + KL(Q||P) = sum_c (p_c - q_c)(log p_c
//   - log q_c)
//                                   with P = softmax(a), Q = softmax(b) per row, mean over the N
//                                   rows;
//   regression (N, 1):              (a - b)^2, mean over the N rows.
// Computed from log_softmax (no log of a rounded-to-zero probability). Gradients flow into both
// arguments: a caller that wants a stop-gradient on one side (the clean outputs inside the ascent
// step) passes it detached. float32 or float64, on the CPU.
#include "dcopt/train/torch_pch.hpp"

namespace dcopt::train {

/// Symmetric KL between the label distributions of logits a and b, both (N, C) with C >= 2: a
/// scalar, the mean over rows. InvalidArgument for shapes that differ or are not (N, C), C >= 2.
torch::Tensor symmetric_kl(const torch::Tensor& a_logits, const torch::Tensor& b_logits);

/// Mean over rows of the squared difference of two (N, 1) regression outputs: a scalar.
/// InvalidArgument unless both are (N, 1).
torch::Tensor squared_error(const torch::Tensor& a, const torch::Tensor& b);

/// symmetric_kl for C >= 2 columns, squared_error for 1 column: the regularizer's r.
torch::Tensor output_divergence(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace dcopt::train
