#include "dcopt/experiment/plots.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace dcopt {
namespace {

// gnuplot single-quoted string: only the quote itself needs escaping (doubled).
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("''") : std::string(1, c);
  return out + "'";
}

struct Axis {
  const char* file_suffix;
  const char* label;
  double (*x)(const MetricRow&);
};

}  // namespace

std::string find_gnuplot() {
  if (const char* env = std::getenv("DCOPT_GNUPLOT")) {
    return ::access(env, X_OK) == 0 ? std::string(env) : std::string();
  }
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::stringstream ss(path);
  for (std::string dir; std::getline(ss, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string plot_script(const PlotRequest& r) {
  const bool vi = r.family == ProblemFamily::variational_inequality;
  const std::string& metric = r.metric_names.at(0);
  std::vector<Axis> axes = {
      {"rounds", "rounds", [](const MetricRow& m) { return static_cast<double>(m.round); }},
      vi ? Axis{"mbytes", "uplink MB per worker (MB = bits/8/2^20)",
                [](const MetricRow& m) { return m.cost.bits_up / 8.0 / 1048576.0; }}
         : Axis{"bits", "uplink bits per worker",
                [](const MetricRow& m) { return m.cost.bits_up; }},
      {"oracle_calls", "oracle calls per worker",
       [](const MetricRow& m) { return m.cost.oracle_calls; }},
  };
  std::string s;
  s += "set terminal pngcairo size 900,600 noenhanced\n";
  s += "set logscale y\nset format y '%.0e'\nset grid\nset key outside right top\n";
  for (const auto& axis : axes) {
    // Relative names: the script runs in the output directory and stays re-runnable there.
    s += fmt::format("set output {}\n", quoted(metric + "_vs_" + axis.file_suffix + ".png"));
    s += fmt::format("set title {}\nset xlabel {}\nset ylabel {}\n", quoted(r.title),
                     quoted(axis.label), quoted(metric));
    // One datablock per method; points with a non-positive or non-finite value cannot be shown
    // on a log scale and are left out.
    std::string plot;
    std::size_t drawn = 0;
    for (std::size_t m = 0; m < r.labels.size(); ++m) {
      std::string block = fmt::format("$d{} << EOD\n", m);
      std::size_t points = 0;
      for (const auto& row : *r.rows) {
        if (row.method != m || row.metrics.empty()) continue;
        const double y = row.metrics[0];
        const double x = axis.x(row);
        if (!std::isfinite(y) || y <= 0 || !std::isfinite(x)) continue;
        fmt::format_to(std::back_inserter(block), "{} {}\n", x, y);
        ++points;
      }
      if (points == 0) continue;
      s += block + "EOD\n";
      plot += fmt::format("{}$d{} using 1:2 with lines linewidth 2 title {}", drawn ? ", " : "", m,
                          quoted(r.labels[m]));
      ++drawn;
    }
    if (drawn == 0) {
      s += "set label 1 'no positive finite values to plot' at graph 0.5,0.5 center\n"
           "unset logscale y\nplot [0:1][0:1] NaN notitle\nunset label 1\nset logscale y\n";
    } else {
      s += "plot " + plot + "\n";
    }
    s += "unset output\n";
  }
  return s;
}

std::vector<std::string> run_gnuplot(const std::filesystem::path& dir, const std::string& script) {
  const std::string gnuplot = find_gnuplot();
  if (gnuplot.empty()) {
    return {"gnuplot not found (install gnuplot-nox or set DCOPT_GNUPLOT); plots skipped"};
  }
  // The script is kept next to the plots (users restyle them from it). Running gnuplot on a
  // file rather than through a pipe means a failing gnuplot cannot SIGPIPE us.
  const std::filesystem::path script_path = dir / "plots.gp";
  {
    std::FILE* f = std::fopen(script_path.c_str(), "w");
    if (!f) return {script_path.string() + ": cannot write the plot script; plots skipped"};
    std::fwrite(script.data(), 1, script.size(), f);
    std::fclose(f);
  }
  auto shell_quoted = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  // gnuplot's own messages go to stderr: stdout belongs to dcopt.
  const std::string command =
      "cd " + shell_quoted(dir.string()) + " && " + shell_quoted(gnuplot) + " plots.gp 1>&2";
  const int status = std::system(command.c_str());
  if (status != 0) {
    return {fmt::format("{} failed (status {}); plots may be missing", gnuplot,
                        WIFEXITED(status) ? WEXITSTATUS(status) : -1)};
  }
  return {};
}

std::vector<std::string> write_plots(const PlotRequest& r) {
  return run_gnuplot(r.dir, plot_script(r));
}

}  // namespace dcopt
