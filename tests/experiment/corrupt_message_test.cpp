// A corrupt message from a peer (docs/RELIABILITY.md): a DecodeError on one rank only ends every
// rank, with the decoding worker, the round and the codec named, and no rank waits forever. The
// corruption is injected by a test-only Communicator decorator that damages what one rank
// receives; production code has no such hook.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/experiment/experiment_config.hpp"
#include "dcopt/experiment/problem_source.hpp"
#include "dcopt/experiment/runner.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

// Forwards every collective; on `victim`, from its `from`-th allgather on, cuts every other
// rank's contribution to its first byte (what a truncated or garbled frame looks like to the
// decoder).
class CorruptingComm final : public Communicator {
 public:
  CorruptingComm(Communicator& inner, int victim, int from)
      : inner_(inner), victim_(victim), from_(from) {}
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void barrier() override {
    forward([&] { inner_.barrier(); });
  }
  using Communicator::allgather;
  using Communicator::gather;
  void allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) override {
    forward([&] { inner_.allgather(mine, out); });
    if (rank() != victim_ || ++allgathers_ < from_) return;
    for (int r = 0; r < size(); ++r) {
      Bytes& b = out[static_cast<std::size_t>(r)];
      if (r != rank() && b.size() > 1) b.resize(1);
    }
  }
  void broadcast(Bytes& bytes, int root) override {
    forward([&] { inner_.broadcast(bytes, root); });
  }
  void gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) override {
    forward([&] { inner_.gather(mine, root, out); });
  }
  void allreduce_sum(std::span<float> v) override {
    forward([&] { inner_.allreduce_sum(v); });
  }
  void allreduce_sum(std::span<double> v) override {
    forward([&] { inner_.allreduce_sum(v); });
  }

 private:
  template <class F>
  void forward(F&& f) {
    inner_.set_reduce_mode(reduce_mode());
    inner_.set_reduce_gather_limit(reduce_gather_limit());
    f();
    meter_ = inner_.meter();
  }
  Communicator& inner_;
  int victim_;
  int from_;
  int allgathers_ = 0;
};

TEST(CorruptMessage, ADecodeErrorOnOneRankEndsEveryRankNamingWorkerRoundAndCodec) {
  const ExperimentConfig cfg = parse_experiment_config(
      "name = \"corrupt\"\nseed = 5\nworkers = 3\n"
      "[problem]\nkind = \"quadratic\"\ndim = 40\nrows = 90\n"
      "[stop]\nmax_rounds = 400\neval_every = 10\n"
      "[[method]]\nname = \"marina\"\ncodec = \"randk:k=5\"\n"
      "[output]\nplots = false\n",
      "corrupt.toml");
  const auto source = make_problem_source(cfg.problem, cfg.workers, cfg.seed);
  std::string errors[3];
  std::atomic<int> comm_errors{0};
  const auto start = std::chrono::steady_clock::now();
  try {
    run_threads(cfg.workers, [&](Communicator& comm) {
      comm.set_collective_timeout(30);  // a hang fails the test rather than hanging it
      CorruptingComm corrupting(comm, /*victim=*/1, /*from=*/40);
      WorkerContext ctx{corrupting, cfg.seed};
      try {
        (void)run_experiment(ctx, cfg, *source, nullptr);
      } catch (const CommError& e) {
        errors[comm.rank()] = e.what();
        ++comm_errors;
        throw;
      } catch (const std::exception& e) {
        errors[comm.rank()] = e.what();
        throw;
      }
    });
    FAIL() << "the corrupt message was not detected";
  } catch (const DecodeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("worker 1, method 'marina"));
    EXPECT_THAT(e.what(), HasSubstr("(codec randk:k=5), round "));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0) << "a rank waited for the one that failed";
  EXPECT_THAT(errors[1], HasSubstr("(codec randk:k=5), round "));
  EXPECT_EQ(comm_errors.load(), 2) << errors[0] << " | " << errors[2];
  for (int r : {0, 2}) {
    EXPECT_THAT(errors[r], HasSubstr("worker 1 failed: worker 1, method 'marina")) << r;
  }
}

}  // namespace
}  // namespace dcopt
