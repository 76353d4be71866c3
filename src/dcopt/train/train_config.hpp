#pragma once
// A `dcopt train` file (TOML; docs/TRAIN.md lists every key):
//
//   name = "cnn-sgd"        # output directory runs/<name> (default: the file's stem)
//   seed = 1                # every random choice derives from it
//   workers = 2             # n data-parallel workers (threads, or one MPI rank each)
//   [model]                 name = "mlp" | "cnn" | "resnet18"; hidden = [256, 128] (mlp)
//   [data]                  dataset = "fashion-mnist"; dir; train_limit; test_limit;
//                           shards = "iid" | "label_skew"; classes_per_worker
//   [train]                 batch (per worker); epochs or steps; eval_every (steps);
//                           eval_batch; threads (torch intra-op threads per worker);
//                           full_gradient = "loader" | "shard"; chunk
//   [optimizer]             name = "sgd" | "adam" | "adamw" | "lamb" | "normalized", lr, ... and
//                           clip_grad_norm (optim/optimizer_config.hpp reads them)
//   [communication]         method = "allreduce" (the default: every worker's gradient through
//                           `codec`, averaged) or any minimization method of `dcopt methods`
//                           with an estimator (marina, vr_marina, pp_marina, diana, vr_diana,
//                           ef21, ef, dcgd, powersgd, ...) and that method's keys; codec = a
//                           codec spec over the flat gradient, or a per-tensor policy
//                           ("numel>2^16 -> int8", compress/compression_policy.hpp)
//   [output]                plots = true
//
// The tables are kept as Settings for the factories, which reject keys they do not know.
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "dcopt/core/settings.hpp"
#include "dcopt/experiment/config_file.hpp"
#include "dcopt/methods/topology.hpp"

namespace dcopt::train {

struct DataConfig {
  std::string dataset = "fashion-mnist";
  std::filesystem::path dir;
  std::size_t train_limit = 0;  ///< 0: all
  std::size_t test_limit = 0;
  std::string shards = "iid";
  std::size_t classes_per_worker = 2;
};

struct LoopConfig {
  std::size_t batch = 64;          ///< per worker
  std::uint64_t epochs = 1;        ///< used when steps == 0
  std::uint64_t steps = 0;         ///< total steps (0: epochs * steps per epoch)
  std::uint64_t eval_every = 0;    ///< steps between evaluations (0: once per epoch)
  std::size_t eval_batch = 1000;   ///< test rows per forward pass
  int threads = 1;                 ///< torch intra-op threads per worker
  std::string full_gradient = "";  ///< "loader" | "shard" ("": by method)
  std::size_t chunk = 1000;        ///< rows per pass of a full-shard gradient
};

struct TrainConfig {
  std::string source;
  std::string name;
  std::string echo_json;  ///< the configuration as run (after --set), JSON
  std::uint64_t seed = 0;
  int workers = 1;
  /// How the estimator's server role is realized on the ranks (`topology`, docs/CLUSTER.md).
  Topology topology = Topology::allgather;
  Settings model{"[model]"};
  DataConfig data;
  LoopConfig loop;
  Settings optimizer{"[optimizer]"};
  std::string method = "allreduce";
  Settings communication{"[communication]"};
  bool plots = true;
};

/// The tables every training command shares (top-level name, seed, workers, topology; [model]
/// as Settings, [train], [optimizer], [communication], [output]), leaving `task_tables` and the
/// top-level `task_keys` to the caller's reader (pretrain/finetune read [data] their own way).
/// InvalidArgument naming the file and key on any error.
TrainConfig parse_train_tables(const toml::table& root, const std::string& source,
                               const std::set<std::string>& task_tables,
                               const std::set<std::string>& task_keys);

/// Parses a train file's text (`source` names it in errors) with `--set` overrides.
/// InvalidArgument naming the file, line and key on any error.
TrainConfig parse_train_config(const std::string& text, const std::string& source,
                               const std::vector<std::string>& overrides = {});
TrainConfig load_train_config(const std::filesystem::path& path,
                              const std::vector<std::string>& overrides = {});

/// The directory Debian's dataset-fashion-mnist installs to.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

}  // namespace dcopt::train
