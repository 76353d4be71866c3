#include "dcopt/experiment/metrics_sink.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace dcopt {
namespace {
// Shortest round-trip form: deterministic and lossless, so runs compare byte for byte. NaN
// (undefined) is an empty field; infinities print as inf/-inf (a diverged run shows them).
void append_number(std::string& line, double v) {
  if (!std::isnan(v)) fmt::format_to(std::back_inserter(line), "{}", v);
}
}  // namespace

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string MetricsSink::header(const std::vector<std::string>& metric_names) {
  std::string h = "method,codec,round";
  for (const auto& n : metric_names) h += "," + n;
  return h + ",bits_up,bits_down,oracle_calls,sample_grads,wall_s";
}

MetricsSink::MetricsSink(const std::filesystem::path& path,
                         const std::vector<std::string>& metric_names,
                         std::vector<std::string> labels, std::vector<std::string> codecs)
    : path_(path) {
  for (auto& l : labels) labels_.push_back(csv_field(l));
  for (auto& c : codecs) codecs_.push_back(csv_field(c));
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw std::runtime_error(path.string() + ": cannot create the metrics file");
  std::string h = header(metric_names) + "\n";
  std::fputs(h.c_str(), file_);
}

MetricsSink::~MetricsSink() {
  if (file_) std::fclose(file_);
}

void MetricsSink::write(const MetricRow& row) {
  line_.clear();
  line_ += labels_.at(row.method);
  line_ += ',';
  line_ += codecs_.at(row.method);
  fmt::format_to(std::back_inserter(line_), ",{}", row.round);
  for (double m : row.metrics) {
    line_ += ',';
    append_number(line_, m);
  }
  for (double v :
       {row.cost.bits_up, row.cost.bits_down, row.cost.oracle_calls, row.cost.sample_grads}) {
    line_ += ',';
    append_number(line_, v);
  }
  fmt::format_to(std::back_inserter(line_), ",{:.6f}\n", row.wall_s);
  std::fwrite(line_.data(), 1, line_.size(), file_);
}

void MetricsSink::close() {
  if (!file_) return;
  const bool failed = std::ferror(file_) != 0;
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (failed || close_failed) throw std::runtime_error(path_.string() + ": writing failed");
}

}  // namespace dcopt
