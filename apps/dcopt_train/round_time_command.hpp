#pragma once
// `round-time CONFIG [--set key=value]... [--backend threads|mpi] [--rounds R] [--repeats K]
//  [--warmup W] [--out FILE.json]`: the wall time of one communication round of a pretrain
// file's [communication] set-up on its model, the exchange alone (docs/TRAIN.md, "Round time").
//
// Inside a training run a round's communication time includes waiting for slower peers'
// compute; here every worker starts a round together (a barrier) with a gradient already at
// hand, so the time is compression + collectives + decompression + the method's server step.
//
// What runs, per worker: the model of CONFIG ([model], vocab = [tokenizer] vocab_size, the upper
// bound a trained tokenizer may stay under; no head) gives the parameter layout and x (its
// initial parameters); the gradient estimator is built exactly as the trainer builds it
// (train/gradient_exchange.hpp; unknown [communication] keys are errors); the gradient is a fixed
// vector (see FixedGradientOracle in the .cpp). init(), W warm-up rounds, K repeats of R timed
// rounds, then one untimed round whose collectives are recorded (comm/recording_comm.hpp) and
// whose cost gives the bits. A timed round: barrier; t0; update(); t1; its time is the largest
// t1 - t0 over the workers.
//
// Under --backend threads the workers share this process's cores (ThreadComm's fibers on a pool
// of one thread per core): the time includes the other workers' compression on the same core.
// --backend mpi (mpirun -np <workers> --bind-to none) is one process per worker.
#include <CLI/CLI.hpp>

#include "train_command.hpp"

namespace dcopt::cli {

void add_round_time_command(CLI::App& app, TrainAction& action);

}  // namespace dcopt::cli
