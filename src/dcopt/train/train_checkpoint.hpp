#pragma once
// A checkpoint of `dcopt train`: everything needed to continue a training run bit for bit after
// step k, independent of the backend. One file (experiment/checkpoint_file.hpp writes it
// atomically), every field a StateWriter field (core/state_io.hpp):
//   "dcopt-train-checkpoint" (text), format_version (u64), dcopt_version (text), body (text),
//   fnv1a64 of the body (u64: any damaged or missing byte is detected)
// body: config_hash, workers, step, rank 0's wall seconds and step split, every metrics row so
// far (row_extras: the task's extra metrics per row), and one state per worker (parameters,
// BatchNorm buffers, estimator, update rule, data loader, counters; trainer.cpp writes and reads
// it).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dcopt/train/train_config.hpp"
#include "dcopt/train/trainer.hpp"

namespace dcopt::train {

/// 2: the step split's forward/backward/perturbation parts and the rows' extra metrics.
inline constexpr std::uint64_t kTrainCheckpointVersion = 2;

struct TrainCheckpoint {
  std::string config_hash;
  std::uint64_t workers = 0;
  std::uint64_t step = 0;
  double wall_s = 0;
  StepSplit split;
  std::vector<TrainRow> rows;
  std::vector<std::string> worker_states;  ///< indexed by rank
};

/// FNV-1a of the configuration as run (after --set) and the worker count: a checkpoint resumes
/// only the run that wrote it.
std::string train_config_hash(const TrainConfig& cfg);

std::vector<std::uint8_t> encode_train_checkpoint(const TrainCheckpoint& c);
/// DataError naming `file`: not a train checkpoint, another format version, damaged (hash),
/// or inconsistent (counts).
TrainCheckpoint decode_train_checkpoint(std::span<const std::uint8_t> bytes,
                                        const std::string& file);

}  // namespace dcopt::train
