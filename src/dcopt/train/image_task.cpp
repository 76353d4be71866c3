#include "dcopt/train/image_task.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/train/evaluation.hpp"
#include "dcopt/train/gradient_exchange.hpp"
#include "dcopt/train/model_catalog.hpp"
#include "dcopt/train/parameter_init.hpp"

namespace dcopt::train {
namespace {

FullGradient full_gradient_mode(const TrainConfig& cfg) {
  if (cfg.loop.full_gradient == "shard") return FullGradient::shard;
  if (cfg.loop.full_gradient == "loader") return FullGradient::loader;
  return needs_shard_gradients(cfg.method) ? FullGradient::shard : FullGradient::loader;
}

// The module's buffers (BatchNorm running statistics) as raw bytes, in buffers() order.
std::string buffer_bytes(torch::nn::Module& net) {
  std::string out;
  for (auto& b : net.buffers(true)) {
    torch::Tensor c = b.contiguous();
    out.append(static_cast<const char*>(c.data_ptr()),
               static_cast<std::size_t>(c.numel()) * c.element_size());
  }
  return out;
}

void load_buffer_bytes(torch::nn::Module& net, const std::string& bytes, const std::string& what) {
  std::size_t need = 0;
  for (auto& b : net.buffers(true)) need += static_cast<std::size_t>(b.numel()) * b.element_size();
  if (need != bytes.size()) {
    throw DataError(what + ": model buffers of " + std::to_string(bytes.size()) +
                    " bytes; this model has " + std::to_string(need));
  }
  std::size_t off = 0;
  torch::NoGradGuard no_grad;
  for (auto& b : net.buffers(true)) {
    const std::size_t n = static_cast<std::size_t>(b.numel()) * b.element_size();
    b.copy_(torch::from_blob(const_cast<char*>(bytes.data()) + off, b.sizes(), b.scalar_type()));
    off += n;
  }
}

}  // namespace

ImageTask::ImageTask(const TrainConfig& cfg, const TrainData& data, int rank)
    : data_(data),
      eval_batch_(cfg.loop.eval_batch),
      model_settings_(cfg.model),
      net_(make_network(model_settings_, data.input(), static_cast<int>(data.train.classes))),
      flat_(*net_),
      loader_(data.shards.at(static_cast<std::size_t>(rank)), cfg.loop.batch, cfg.seed,
              static_cast<std::size_t>(rank)),
      oracle_(*net_, flat_, data.train, data.shards.at(static_cast<std::size_t>(rank)), loader_,
              full_gradient_mode(cfg), cfg.loop.chunk) {
  init_parameters(*net_, flat_, cfg.seed);
  net_->train();
}

TaskEvaluation ImageTask::evaluate(WorkerContext& ctx) {
  const Evaluation e = train::evaluate(ctx, *net_, data_.test, eval_batch_);
  TaskEvaluation out;
  out.loss = e.loss;
  out.accuracy = e.accuracy;
  out.samples = e.samples;
  return out;
}

void ImageTask::save(StateWriter& w) const {
  w.text("buffers", buffer_bytes(*net_));
  loader_.save(w);
  w.u64("sample_grads", oracle_.sample_grads());
  w.f64("loss_sum", oracle_.loss().loss_sum);
  w.u64("loss_batches", oracle_.loss().batches);
}

void ImageTask::load(StateReader& r, const std::string& what) {
  load_buffer_bytes(*net_, r.text("buffers", std::size_t{1} << 30), what);
  loader_.load(r);
  oracle_.set_sample_grads(r.u64("sample_grads"));
  LossTally t;
  t.loss_sum = r.f64("loss_sum");
  t.batches = r.u64("loss_batches");
  oracle_.set_loss(t);
}

}  // namespace dcopt::train
