#pragma once
// PNG plots of a run with gnuplot (log-scale y, one line per method): the primary metric
// against rounds, against uplink bits per worker (minimization: bits; VI: MB = bits/8/2^20, the
// MASHA plots' unit) and against oracle calls. Plots are a convenience: if gnuplot is missing or
// fails, the caller gets warnings and the run still succeeds.
#include <filesystem>
#include <string>
#include <vector>

#include "dcopt/experiment/experiment_config.hpp"
#include "dcopt/experiment/run_result.hpp"

namespace dcopt {

struct PlotRequest {
  std::filesystem::path dir;  ///< where the PNG files go
  std::string title;          ///< experiment name
  ProblemFamily family = ProblemFamily::minimization;
  std::vector<std::string> metric_names;
  std::vector<std::string> labels;  ///< one per method
  const std::vector<MetricRow>* rows = nullptr;
};

/// The gnuplot program to run: $DCOPT_GNUPLOT if set, else `gnuplot` if found on PATH; empty if
/// none is available.
std::string find_gnuplot();

/// The gnuplot script that draws every plot of `r` into r.dir (exposed for tests).
std::string plot_script(const PlotRequest& r);

/// Writes `script` to dir/plots.gp and runs gnuplot on it in `dir`; returns warnings (empty on
/// success). Never throws for gnuplot trouble. Shared by every command that plots.
std::vector<std::string> run_gnuplot(const std::filesystem::path& dir, const std::string& script);
/// Draws the plots; returns warnings (empty on success). Never throws for gnuplot trouble.
std::vector<std::string> write_plots(const PlotRequest& r);

}  // namespace dcopt
