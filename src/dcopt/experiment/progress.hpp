#pragma once
// The progress line on stderr: which method, round, the last evaluated primary metric and the
// uplink bits per worker, redrawn in place at most 5 times a second and only once the run has
// lasted a second (short runs stay silent). Disabled, it costs one branch per call.
#include <cstdint>
#include <cstdio>
#include <string>

#include "dcopt/core/timer.hpp"

namespace dcopt {

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled, std::FILE* out = stderr);
  void start_method(std::string label, std::size_t index, std::size_t count,
                    std::uint64_t max_rounds, std::string metric_name);
  void round(std::uint64_t k, double bits_up);
  void metric(double value);
  /// Ends the current line (if one was drawn) with the method's status.
  void end_method(const std::string& status, std::uint64_t rounds);

 private:
  void draw();
  bool enabled_;
  std::FILE* out_;
  Stopwatch run_watch_;
  double last_draw_ = -1;
  bool drawn_ = false;
  std::string label_, metric_name_;
  std::size_t index_ = 0, count_ = 0;
  std::uint64_t max_rounds_ = 0, round_ = 0;
  std::uint64_t ticks_ = 0;
  double bits_ = 0, metric_ = 0;
};

}  // namespace dcopt
