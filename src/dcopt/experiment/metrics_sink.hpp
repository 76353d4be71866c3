#pragma once
// metrics.csv: one row per method per logged round. Columns, in this order:
//   method,codec,round,<metric names>,bits_up,bits_down,oracle_calls,sample_grads,wall_s
// minimization metrics: grad_norm_sq,mean_local_grad_norm_sq,loss; VI: dist_sq,gap.
// `method` is the method's label. bits_* are cumulative per worker (mean over workers), in bits,
// initialization excluded; oracle_calls and sample_grads likewise. Numbers are printed in the
// shortest form that reads back to the same double, so two runs with identical numbers give
// identical bytes; an undefined (NaN) metric is an empty field, infinities print as inf. Fields
// holding a comma or a quote are quoted (RFC 4180).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "dcopt/experiment/run_result.hpp"

namespace dcopt {

class MetricsSink {
 public:
  /// Creates (truncates) `path` and writes the header. Error (std::runtime_error) if it cannot.
  MetricsSink(const std::filesystem::path& path, const std::vector<std::string>& metric_names,
              std::vector<std::string> labels, std::vector<std::string> codecs);
  ~MetricsSink();
  MetricsSink(const MetricsSink&) = delete;
  MetricsSink& operator=(const MetricsSink&) = delete;

  void write(const MetricRow& row);
  /// Flushes and closes; throws if any write failed (disk full, ...).
  void close();

  /// The header line (without newline) for the given metric names.
  static std::string header(const std::vector<std::string>& metric_names);

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::vector<std::string> labels_;  ///< already CSV-escaped
  std::vector<std::string> codecs_;
  std::string line_;  ///< reused for every row
};

/// A CSV field, quoted if needed.
std::string csv_field(const std::string& s);

}  // namespace dcopt
