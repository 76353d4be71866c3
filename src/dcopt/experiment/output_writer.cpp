#include "dcopt/experiment/output_writer.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "dcopt/experiment/plots.hpp"
#include "dcopt/experiment/summary.hpp"

namespace dcopt {

OutputWriter::OutputWriter(const ExperimentConfig& config, std::filesystem::path out_dir,
                           bool progress)
    : config_(config), out_(std::move(out_dir)), progress_(progress) {}

void OutputWriter::on_validated(const RunResult& header) {
  metric_names_ = header.metric_names;
  std::vector<std::string> labels, codecs;
  for (const auto& m : header.methods) {
    labels.push_back(m.label);
    codecs.push_back(m.codec);
  }
  sink_ =
      std::make_unique<MetricsSink>(out_.staging() / "metrics.csv", metric_names_, labels, codecs);
}

void OutputWriter::on_method_start(std::size_t index) {
  current_ = index;
  progress_.start_method(config_.methods[index].label, index, config_.methods.size(),
                         config_.stop.max_rounds, metric_names_.at(0));
}

void OutputWriter::on_round(std::uint64_t round, double bits_up_local) {
  progress_.round(round, bits_up_local);
}

void OutputWriter::on_row(const MetricRow& row) {
  sink_->write(row);
  rows_.push_back(row);
  progress_.metric(row.metrics.at(0));
}

void OutputWriter::on_method_end(const MethodResult& result) {
  progress_.end_method(to_string(result.status), result.rounds);
}

void OutputWriter::on_halt(const HaltPoint& at) {
  progress_.end_method("halted (checkpoint written)", at.round);
}

std::vector<std::string> OutputWriter::finish(const RunResult& result, const std::string& backend) {
  const std::filesystem::path& dir = out_.staging();
  if (sink_) sink_->close();
  {
    std::ofstream f(dir / "summary.json", std::ios::binary);
    f << summary_json(config_, result, backend);
    f.close();
    if (!f) throw std::runtime_error((dir / "summary.json").string() + ": writing failed");
  }
  std::vector<std::string> warnings;
  if (config_.output.plots) {
    PlotRequest plot;
    plot.dir = dir;
    plot.title = config_.name;
    plot.family = config_.problem.family;
    plot.metric_names = result.metric_names;
    for (const auto& m : result.methods) plot.labels.push_back(m.label);
    plot.rows = &rows_;
    warnings = write_plots(plot);
    // gnuplot exits 0 even when it could not write a plot (a full disk leaves empty files):
    // then nothing is committed, so the previous output stays, and the staging directory goes.
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".png" && entry.file_size() == 0) {
        std::error_code ec;
        const auto space = std::filesystem::space(dir, ec);
        std::string what = out_.destination().string();
        what += ": writing the outputs failed: gnuplot wrote an empty ";
        what += entry.path().filename().string();
        if (ec) {
          what += " (is the disk full?)";
        } else {
          what += " (";
          what += std::to_string(space.available);
          what += " bytes free on that disk)";
        }
        what += "; nothing was written (an earlier output there is left as it was)";
        throw std::runtime_error(what);
      }
    }
  }
  out_.commit();
  return warnings;
}

}  // namespace dcopt
