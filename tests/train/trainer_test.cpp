// The data-parallel trainer on real Fashion-MNIST images: it learns, it is deterministic, a
// resumed run equals an uninterrupted one for every kind of state, and its bit counts are those
// of the real messages.
#include "dcopt/train/trainer.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "dcopt/compress/registry.hpp"
#include "train_fixture.hpp"

namespace dcopt::train {
namespace {

using testing::config;
using testing::same_numbers;
using testing::train;

TEST(Trainer, LearnsFashionMnist) {
  // 60 steps of 2 x 32 images with SGD momentum: a 2-layer MLP goes from chance (0.1) to well
  // above half of the test images right (about 0.7 here); 0.5 leaves room for seed noise.
  const TrainResult r =
      train(config({"train.steps=60", "train.batch=32", "train.eval_every=60",
                    "optimizer.momentum=0.9", "data.train_limit=2048", "data.test_limit=500"}));
  ASSERT_EQ(r.status, "finished");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_LT(r.rows[0].test_acc, 0.25);
  EXPECT_GT(r.rows[1].test_acc, 0.5);
  EXPECT_LT(r.rows[1].test_loss, r.rows[0].test_loss);
  EXPECT_TRUE(std::isnan(r.rows[0].train_loss));
  EXPECT_TRUE(std::isfinite(r.rows[1].train_loss));
  // Every worker computes 60 minibatches of 32 samples.
  EXPECT_EQ(r.rows[1].sample_grads, 60.0 * 32);
}

TEST(Trainer, SameSeedSameNumbersAnotherSeedOthers) {
  const TrainResult a = train(config());
  const TrainResult b = train(config());
  const TrainResult c = train(config({"seed=4"}));
  ASSERT_EQ(a.rows.size(), 4u);  // steps 0, 4, 8, 12
  ASSERT_EQ(b.rows.size(), a.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) EXPECT_TRUE(same_numbers(a.rows[i], b.rows[i]));
  EXPECT_NE(a.rows.back().test_loss, c.rows.back().test_loss);
}

TEST(Trainer, DenseAllreduceBitsAreTheMessagesSize) {
  const TrainConfig cfg = config();
  const TrainResult r = train(cfg);
  // One identity (fp32) message of d entries per worker per step.
  Rng rng(0, Purpose::test);
  const std::vector<float> zeros(r.header.layout.size(), 0.0f);
  const double per_step = static_cast<double>(make_compressor("identity")->encode(zeros, rng).bits);
  EXPECT_GE(per_step, 32.0 * r.header.layout.size());
  for (const TrainRow& row : r.rows) EXPECT_EQ(row.bits_up, per_step * row.step) << row.step;
}

TEST(Trainer, ServerTopologyChangesTheTrafficNotTheNumbers) {
  // MARINA with RandK 10% and a dense downlink on 2 workers: under the server topology worker 1
  // receives the server's dense message instead of worker 0's sparse one (what it sends is about
  // the same with one peer: its message, to worker 0 or to the server).
  configure_torch_threads(1);
  const std::vector<std::string> o = {"communication.method=marina",
                                      "communication.codec=randk:ratio=0.1", "communication.p=0.3"};
  std::vector<TrainResult> results;
  std::vector<Traffic> worker1;
  for (const char* topology : {"allgather", "server"}) {
    std::vector<std::string> with = o;
    with.push_back(std::string("topology=") + topology);
    const TrainConfig cfg = config(with);
    const TrainData data = load_train_data(cfg);
    TrainResult result;
    Traffic traffic;
    run_threads(cfg.workers, [&](Communicator& comm) {
      TrainResult r = train_worker(comm, cfg, data, nullptr, {});
      if (comm.rank() == 0) result = std::move(r);
      if (comm.rank() == 1) traffic = comm.meter().total();
    });
    results.push_back(std::move(result));
    worker1.push_back(traffic);
  }
  ASSERT_EQ(results[0].rows.size(), 4u);
  ASSERT_EQ(results[1].rows.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_TRUE(same_numbers(results[0].rows[i], results[1].rows[i]));
  EXPECT_GT(worker1[1].bytes_received, worker1[0].bytes_received);
}

TEST(Trainer, MixedEightBitSendsSmallTensorsDenseAndLargeOnesAsInt8) {
  // MLP [32] on 28x28: fc1.weight has 25088 entries, the rest are small. Policy: above 2^12
  // int8, the rest dense.
  const TrainResult mixed = train(config({"communication.codec=numel>2^12 -> int8"}));
  const TrainResult dense = train(config());
  ASSERT_EQ(mixed.status, "finished");
  const double ratio = mixed.rows.back().bits_up / dense.rows.back().bits_up;
  // fc1.weight (25088 of 25450 entries) goes from 32 to about 8 bits per entry.
  EXPECT_GT(ratio, 0.25);
  EXPECT_LT(ratio, 0.3);
}

TEST(Trainer, PowerSgdSendsItsFactorsAndDenseBiasesPerStep) {
  const TrainResult r = train(config({"communication.method=powersgd", "communication.rank=2"}));
  ASSERT_EQ(r.status, "finished");
  // MLP [32]: fc1.weight 32x784 and fc2.weight 10x32 are compressed at rank 2 (both above the
  // min_compression_rate 2 bound: 25088 > 2*2*816 and 320 > 2*2*42); the biases go dense.
  ASSERT_EQ(r.traffic_per_tensor.size(), 4u);
  std::uint64_t sum = 0;
  for (const TensorTraffic& t : r.traffic_per_tensor) sum += t.bits;
  EXPECT_EQ(r.traffic_per_tensor[0].name, "fc1.weight");
  EXPECT_EQ(r.traffic_per_tensor[0].bits, 32u * 2 * (32 + 784));
  EXPECT_EQ(r.traffic_per_tensor[1].bits, 32u * 2 * (10 + 32));
  EXPECT_EQ(sum, 32u * 2 * (32 + 784) + 32u * 2 * (10 + 32) + 32u * (32 + 10));
  // Per step: phase 0 (P: 32*2 + 10*2 values, then the 42 dense values: 126 entries) and phase
  // 1 (Q: 784*2 + 32*2 = 1632 entries), two identity messages whose headers are 8 bits of codec
  // id plus the length as a varint (1 and 2 bytes).
  const double per_step = static_cast<double>(sum + (8 + 8) + (8 + 16));
  for (const TrainRow& row : r.rows) EXPECT_EQ(row.bits_up, per_step * row.step) << row.step;
}

TEST(Trainer, PolicyTrafficIsReportedPerTensor) {
  const TrainResult r = train(config({"communication.codec=numel>2^12 -> int8"}));
  ASSERT_EQ(r.traffic_per_tensor.size(), 4u);
  EXPECT_NE(r.traffic_per_tensor[0].codec.find("int8"), std::string::npos);
  for (std::size_t t = 1; t < 4; ++t) {
    EXPECT_NE(r.traffic_per_tensor[t].codec.find("identity"), std::string::npos);
    // Dense fp32 values plus the tensor's own header and length field.
    EXPECT_GE(r.traffic_per_tensor[t].bits, 32u * r.traffic_per_tensor[t].numel);
    EXPECT_LT(r.traffic_per_tensor[t].bits, 32u * r.traffic_per_tensor[t].numel + 64);
  }
  EXPECT_LT(r.traffic_per_tensor[0].bits, 9u * r.traffic_per_tensor[0].numel);
}

struct ResumeCase {
  const char* name;
  std::vector<std::string> overrides;
};

class TrainerResume : public ::testing::TestWithParam<ResumeCase> {};

TEST_P(TrainerResume, HaltedAndResumedEqualsUninterrupted) {
  const std::vector<std::string>& o = GetParam().overrides;
  const TrainResult whole = train(config(o));
  ASSERT_EQ(whole.status, "finished") << GetParam().name;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    (std::string("dcopt_train_resume_") + GetParam().name);
  std::filesystem::remove_all(dir);
  CheckpointOptions halt;
  halt.dir = dir;
  halt.halt_after = 6;  // between two rows: the loss tally and loader position are mid-window
  const TrainResult first = train(config(o), halt);
  ASSERT_EQ(first.status, "halted");
  CheckpointOptions resume;
  resume.resume = dir;
  const TrainResult rest = train(config(o), resume);
  ASSERT_EQ(rest.rows.size(), whole.rows.size());
  for (std::size_t i = 0; i < whole.rows.size(); ++i) {
    EXPECT_TRUE(same_numbers(whole.rows[i], rest.rows[i])) << GetParam().name << " row " << i;
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    EveryKindOfState, TrainerResume,
    ::testing::Values(
        ResumeCase{"sgd_momentum", {"optimizer.momentum=0.9", "optimizer.nesterov=true"}},
        ResumeCase{"adam_cosine_clip",
                   {"optimizer.name=adam", "optimizer.lr=0.001", "optimizer.schedule=cosine",
                    "optimizer.warmup_steps=3", "optimizer.clip_grad_norm=1.0"}},
        ResumeCase{"lamb", {"optimizer.name=lamb", "optimizer.lr=0.01"}},
        ResumeCase{"diana_randk",
                   {"communication.method=diana", "communication.codec=randk:ratio=0.1"}},
        ResumeCase{"ef21_topk",
                   {"communication.method=ef21", "communication.codec=topk:ratio=0.05"}},
        ResumeCase{"vr_marina_online",
                   {"communication.method=vr_marina_online", "communication.codec=randk:ratio=0.1",
                    "communication.batch=16", "communication.batch_diff=8", "communication.p=0.2"}},
        ResumeCase{"powersgd", {"communication.method=powersgd", "communication.rank=2"}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace dcopt::train
