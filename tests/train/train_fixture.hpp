#pragma once
// Small training runs on the real Fashion-MNIST (a few hundred images), shared by the trainer
// tests: a config from TOML text, the data loaded once per test program.
#include <map>
#include <string>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/train/torch_threads.hpp"
#include "dcopt/train/train_config.hpp"
#include "dcopt/train/train_data.hpp"
#include "dcopt/train/trainer.hpp"

namespace dcopt::train::testing {

/// workers 2, MLP [32], 512 train / 200 test images, batch 16, 12 steps, rows every 4 steps,
/// plain SGD (lr 0.05); the [communication] table comes last, so a test may append its keys.
inline std::string base_config() {
  return "name = \"t\"\nseed = 3\nworkers = 2\n"
         "[model]\nname = \"mlp\"\nhidden = [32]\n"
         "[data]\ntrain_limit = 512\ntest_limit = 200\n"
         "[train]\nbatch = 16\nsteps = 12\neval_every = 4\neval_batch = 100\n"
         "[optimizer]\nname = \"sgd\"\nlr = 0.05\n"
         "[communication]\n";
}

inline TrainConfig config(const std::vector<std::string>& overrides = {}) {
  return parse_train_config(base_config(), "test.toml", overrides);
}

/// Runs on threads and returns rank 0's result.
inline TrainResult train(const TrainConfig& cfg, const CheckpointOptions& ck = {}) {
  configure_torch_threads(1);
  const TrainData data = load_train_data(cfg);
  TrainResult result;
  run_threads(cfg.workers, [&](Communicator& comm) {
    TrainResult r = train_worker(comm, cfg, data, nullptr, ck);
    if (comm.rank() == 0) result = std::move(r);
  });
  return result;
}

/// Every field but the wall time.
inline bool same_numbers(const TrainRow& a, const TrainRow& b) {
  auto eq = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
  return eq(a.epoch, b.epoch) && a.step == b.step && eq(a.train_loss, b.train_loss) &&
         eq(a.test_loss, b.test_loss) && eq(a.test_acc, b.test_acc) &&
         eq(a.grad_norm_sq, b.grad_norm_sq) && eq(a.bits_up, b.bits_up) &&
         eq(a.bits_down, b.bits_down) && eq(a.sample_grads, b.sample_grads);
}

}  // namespace dcopt::train::testing
