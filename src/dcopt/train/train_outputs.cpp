#include "dcopt/train/train_outputs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "dcopt/experiment/plots.hpp"

namespace dcopt::train {
namespace {

void append_number(std::string& line, double v) {
  if (!std::isnan(v)) fmt::format_to(std::back_inserter(line), "{}", v);
}

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

nlohmann::json row_json(const TrainRow& r, const std::vector<std::string>& extra) {
  nlohmann::json j = {{"epoch", number(r.epoch)},
                      {"step", r.step},
                      {"train_loss", number(r.train_loss)},
                      {"test_loss", number(r.test_loss)},
                      {"test_acc", number(r.test_acc)},
                      {"grad_norm_sq", number(r.grad_norm_sq)},
                      {"bits_up", number(r.bits_up)},
                      {"bits_down", number(r.bits_down)},
                      {"sample_grads", number(r.sample_grads)},
                      {"wall_s", number(r.wall_s)}};
  for (std::size_t i = 0; i < extra.size() && i < r.extra.size(); ++i)
    j[extra[i]] = number(r.extra[i]);
  return j;
}

std::string plot_script(const std::string& title) {
  // Columns of metrics.csv: 1 epoch, 2 step, 3 train_loss, 4 test_loss, 5 test_acc, 7 bits_up.
  std::string t;
  for (char c : title) t += (c == '\'') ? std::string("''") : std::string(1, c);
  std::string s;
  s += "set terminal pngcairo size 900,600 noenhanced\n";
  s += "set datafile separator ','\nset datafile missing ''\nset key outside right\n";
  s += "set grid\n";
  auto panel = [&](const char* file, const char* x, int xcol, const char* what) {
    s += fmt::format("set output '{}'\nset title '{}: {}'\nset xlabel '{}'\n", file, t, what, x);
    if (std::string(what) == "loss") {
      s += "set logscale y\nset ylabel 'cross-entropy'\n";
      s += fmt::format(
          "plot 'metrics.csv' every ::1 using {0}:3 with linespoints title 'train loss', "
          "'' every ::1 using {0}:4 with linespoints title 'test loss'\n",
          xcol);
      s += "unset logscale y\n";
    } else {
      s += "set ylabel 'test accuracy'\n";
      s += fmt::format(
          "plot 'metrics.csv' every ::1 using {}:5 with linespoints title 'test accuracy'\n", xcol);
    }
  };
  panel("loss_vs_steps.png", "step", 2, "loss");
  panel("accuracy_vs_steps.png", "step", 2, "accuracy");
  panel("loss_vs_bits.png", "bits per worker (uplink)", 7, "loss");
  panel("accuracy_vs_bits.png", "bits per worker (uplink)", 7, "accuracy");
  return s;
}

}  // namespace

std::string train_metrics_header(const std::vector<std::string>& extra) {
  std::string h =
      "epoch,step,train_loss,test_loss,test_acc,grad_norm_sq,bits_up,bits_down,sample_grads,"
      "wall_s";
  for (const std::string& e : extra) {
    h += ',';
    h += e;
  }
  return h;
}

std::string train_metrics_line(const TrainRow& r) {
  std::string line;
  append_number(line, r.epoch);
  fmt::format_to(std::back_inserter(line), ",{}", r.step);
  for (double v : {r.train_loss, r.test_loss, r.test_acc, r.grad_norm_sq, r.bits_up, r.bits_down,
                   r.sample_grads, r.wall_s}) {
    line += ',';
    append_number(line, v);
  }
  for (double v : r.extra) {
    line += ',';
    append_number(line, v);
  }
  return line;
}

TrainOutputs::TrainOutputs(const TrainConfig& cfg, std::filesystem::path out, bool progress)
    : cfg_(cfg), out_(std::move(out)), progress_(progress) {}

TrainOutputs::~TrainOutputs() {
  if (csv_) std::fclose(csv_);
}

void TrainOutputs::on_start(const TrainHeader& h) {
  header_ = h;
  const std::filesystem::path path = out_.staging() / "metrics.csv";
  csv_ = std::fopen(path.c_str(), "w");
  if (!csv_) throw std::runtime_error(path.string() + ": cannot create the metrics file");
  std::fputs((train_metrics_header(h.extra_metrics) + "\n").c_str(), csv_);
  watch_.reset();
}

void TrainOutputs::on_step(std::uint64_t step, double epoch, double loss, double) {
  if (first_step_ == 0) first_step_ = step;
  step_ = step;
  epoch_ = epoch;
  if (std::isfinite(loss)) loss_ = loss;
  draw(false);
}

void TrainOutputs::on_row(const TrainRow& row) {
  rows_.push_back(row);
  acc_ = row.test_acc;
  std::fputs((train_metrics_line(row) + "\n").c_str(), csv_);
}

void TrainOutputs::draw(bool final) {
  if (!progress_) return;
  const double t = watch_.seconds();
  if (!final && (t < 1.0 || t - last_draw_ < 0.2)) return;
  last_draw_ = t;
  const double done = static_cast<double>(step_ - first_step_ + 1);
  const double rate = done > 0 && t > 0 ? done / t : 0;
  const double samples_s = rate * static_cast<double>(cfg_.loop.batch * cfg_.workers);
  const double eta = rate > 0 ? static_cast<double>(header_.total_steps - step_) / rate : 0;
  std::string acc = acc_ >= 0 ? fmt::format("{:.4f}", acc_) : std::string("-");
  std::fprintf(stderr,
               "\r  epoch %.2f  step %llu/%llu  loss %.4f  test acc %s  %.0f samples/s  ETA "
               "%.0fs   ",
               epoch_, static_cast<unsigned long long>(step_),
               static_cast<unsigned long long>(header_.total_steps), loss_, acc.c_str(), samples_s,
               eta);
  drawn_ = true;
  if (final) std::fputc('\n', stderr);
}

std::vector<std::string> TrainOutputs::finish(const TrainResult& result,
                                              const std::string& backend) {
  if (drawn_) draw(true);
  if (std::fflush(csv_) != 0 || std::ferror(csv_)) {
    throw std::runtime_error("metrics.csv: write failed");
  }
  std::fclose(csv_);
  csv_ = nullptr;
  nlohmann::json j;
  j["name"] = cfg_.name;
  j["config"] = nlohmann::json::parse(cfg_.echo_json);
  j["backend"] = backend;
  j["workers"] = cfg_.workers;
  j["model"] = {{"name", header_.model},
                {"parameters", header_.layout.size()},
                {"tensors", header_.layout.num_tensors()}};
  nlohmann::json tensors = nlohmann::json::array();
  for (const ParamTensor& t : header_.layout.tensors()) {
    tensors.push_back({{"name", t.name}, {"shape", t.shape}, {"numel", t.numel()}});
  }
  j["model"]["layout"] = tensors;
  j["method"] = header_.method;
  j["optimizer"] = header_.optimizer;
  j["status"] = result.status;
  j["steps"] = result.steps;
  j["total_steps"] = header_.total_steps;
  j["steps_per_epoch"] = header_.steps_per_epoch;
  j["wall_s"] = result.wall_s;
  {
    // Per-step wall time after a warm-up of 10 steps (or none for short runs): the figure a
    // benchmark compares.
    std::vector<double> t = result.step_seconds;
    const std::size_t skip = t.size() > 20 ? 10 : 0;
    t.erase(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(skip));
    if (!t.empty()) {
      std::sort(t.begin(), t.end());
      double sum = 0;
      for (double v : t) sum += v;
      j["step_ms"] = {{"median", 1e3 * t[t.size() / 2]},
                      {"mean", 1e3 * sum / static_cast<double>(t.size())},
                      {"p10", 1e3 * t[t.size() / 10]},
                      {"p90", 1e3 * t[t.size() * 9 / 10]},
                      {"steps", t.size()},
                      {"warmup_steps_excluded", skip}};
    }
  }
  if (!result.traffic_per_tensor.empty()) {
    nlohmann::json t = nlohmann::json::array();
    for (const TensorTraffic& x : result.traffic_per_tensor) {
      t.push_back({{"name", x.name}, {"numel", x.numel}, {"codec", x.codec}, {"bits", x.bits}});
    }
    j["traffic_per_tensor"] = t;
  }
  j["final"] =
      result.rows.empty() ? nlohmann::json() : row_json(result.rows.back(), header_.extra_metrics);
  const double steps = result.steps > 0 ? static_cast<double>(result.steps) : 1.0;
  j["step_split_ms"] = {{"forward_backward", 1e3 * result.split.compute_s / steps},
                        {"compression", 1e3 * result.split.compression_s / steps},
                        {"communication", 1e3 * result.split.communication_s / steps},
                        {"update", 1e3 * result.split.update_s / steps}};
  if (result.split.forward_s > 0 || result.split.backward_s > 0 ||
      result.split.perturbation_s > 0) {
    // The task times its passes apart (the ScaLA paper's Figure 2): forward_backward is their
    // sum when the task times all three; a task that times only its perturbation (pretrain's
    // FreeLB) has that part alone.
    if (result.split.forward_s > 0 || result.split.backward_s > 0) {
      j["step_split_ms"]["forward"] = 1e3 * result.split.forward_s / steps;
      j["step_split_ms"]["backward"] = 1e3 * result.split.backward_s / steps;
    }
    j["step_split_ms"]["perturbation"] = 1e3 * result.split.perturbation_s / steps;
  }
  for (const TaskArtifact& a : result.artifacts) {
    std::ofstream f(out_.staging() / a.file, std::ios::binary);
    f.write(a.bytes.data(), static_cast<std::streamsize>(a.bytes.size()));
    if (!f) throw std::runtime_error(a.file + ": write failed");
  }
  {
    std::ofstream f(out_.staging() / "summary.json");
    f << j.dump(2) << "\n";
    if (!f) throw std::runtime_error("summary.json: write failed");
  }
  std::vector<std::string> warnings;
  if (cfg_.plots) warnings = run_gnuplot(out_.staging(), plot_script(cfg_.name));
  out_.commit();
  return warnings;
}

}  // namespace dcopt::train
