#pragma once
// The outputs of a run (metrics.csv, summary.json, plots) written into an AtomicOutputDir, as a
// RunObserver on rank 0: nothing is created before every method has been built (a configuration
// error leaves no trace), rows stream to the CSV as they come, and finish() writes the summary
// and the plots and renames the directory into place. Destroyed without finish() (an error),
// it leaves nothing behind.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dcopt/experiment/atomic_output.hpp"
#include "dcopt/experiment/metrics_sink.hpp"
#include "dcopt/experiment/progress.hpp"
#include "dcopt/experiment/runner.hpp"

namespace dcopt {

class OutputWriter final : public RunObserver {
 public:
  OutputWriter(const ExperimentConfig& config, std::filesystem::path out_dir, bool progress);

  void on_validated(const RunResult& header) override;
  void on_method_start(std::size_t index) override;
  void on_round(std::uint64_t round, double bits_up_local) override;
  void on_row(const MetricRow& row) override;
  void on_method_end(const MethodResult& result) override;
  void on_halt(const HaltPoint& at) override;

  /// Writes summary.json and the plots, then moves the directory into place. Returns warnings
  /// (plots that could not be drawn); throws on I/O errors.
  std::vector<std::string> finish(const RunResult& result, const std::string& backend);

  const std::filesystem::path& destination() const { return out_.destination(); }

 private:
  const ExperimentConfig& config_;
  AtomicOutputDir out_;
  ProgressLine progress_;
  std::unique_ptr<MetricsSink> sink_;
  std::vector<MetricRow> rows_;  ///< kept for the plots (only evaluated rounds)
  std::vector<std::string> metric_names_;
  std::size_t current_ = 0;
};

}  // namespace dcopt
