#include "dcopt/train/text_sharpness.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/train/embedding_perturbation.hpp"
#include "dcopt/train/text_task_oracle.hpp"

namespace dcopt::train {
namespace {

// eval() for the scope, the previous mode back at its end.
class EvalGuard {
 public:
  explicit EvalGuard(torch::nn::Module& m) : m_(m), was_training_(m.is_training()) { m_.eval(); }
  ~EvalGuard() { m_.train(was_training_); }
  EvalGuard(const EvalGuard&) = delete;
  EvalGuard& operator=(const EvalGuard&) = delete;

 private:
  torch::nn::Module& m_;
  bool was_training_;
};

}  // namespace

PowerIterationResult text_loss_sharpness(TextNetwork& net, const TokenizedDataset& data,
                                         std::span<const std::uint32_t> rows, std::size_t max_len,
                                         const PowerIterationOptions& options,
                                         torch::Generator& gen) {
  TextBatch batch = make_text_batch(data, rows, max_len);
  const TextInputs in = text_inputs(batch);
  EvalGuard eval(net);
  const auto loss = [&] {
    return task_loss(net.forward(in.ids, in.segments, in.attention_mask), in.labels);
  };
  // hessian_top_eigenvalue differentiates with respect to every tensor it is given: keep those
  // the loss reaches (one gradient, through autograd::grad, so .grad is not written).
  std::vector<torch::Tensor> all;
  for (const torch::Tensor& p : net.parameters()) {
    if (p.requires_grad()) all.push_back(p);
  }
  if (all.empty()) throw InvalidArgument("text_loss_sharpness: no trainable parameter");
  const std::vector<torch::Tensor> g =
      torch::autograd::grad({loss()}, all, {}, /*retain_graph=*/false, /*create_graph=*/false,
                            /*allow_unused=*/true);
  std::vector<torch::Tensor> used;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (g[i].defined()) used.push_back(all[i]);
  }
  return hessian_top_eigenvalue(loss, used, gen, options);
}

}  // namespace dcopt::train
