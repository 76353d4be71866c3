// dcopt._run: an experiment in-process (experiment/runner.hpp), as `dcopt run` with the threads
// backend runs it, from a file or from a dict in the experiment-file format (docs/CONFIG.md).
// The GIL is released while the workers compute. The same configuration gives the same metrics
// as the command line (the same runner, problem source, seed and threads).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/experiment/output_writer.hpp"
#include "dcopt/experiment/problem_source.hpp"
#include "dcopt/experiment/runner.hpp"
#include "dcopt/experiment/summary.hpp"
#include "python_objective.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace dcopt::python {
namespace {

// ---- a Python dict as a TOML table -------------------------------------------------------

toml::table to_table(const py::dict& d, const std::string& path);

void append_value(toml::array& out, const py::handle& v, const std::string& path);

template <typename Insert>
void convert_value(const py::handle& v, const std::string& path, Insert&& insert) {
  if (py::isinstance<py::bool_>(v)) {
    insert(toml::value<bool>(v.cast<bool>()));
  } else if (py::isinstance<py::int_>(v)) {
    insert(toml::value<std::int64_t>(v.cast<std::int64_t>()));
  } else if (py::isinstance<py::float_>(v)) {
    insert(toml::value<double>(v.cast<double>()));
  } else if (py::isinstance<py::str>(v)) {
    insert(toml::value<std::string>(v.cast<std::string>()));
  } else if (py::isinstance<py::dict>(v)) {
    insert(to_table(v.cast<py::dict>(), path));
  } else if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    toml::array a;
    std::size_t i = 0;
    for (const py::handle& e : v) append_value(a, e, path + "." + std::to_string(i++));
    insert(std::move(a));
  } else if (py::hasattr(v, "item") && py::hasattr(v, "dtype")) {  // a NumPy scalar
    convert_value(v.attr("item")(), path, insert);
  } else {
    throw InvalidArgument("config: " + path + " = " + std::string(py::repr(v)) +
                          ": not a TOML value (use bool, int, float, str, dict or list)");
  }
}

void append_value(toml::array& out, const py::handle& v, const std::string& path) {
  convert_value(v, path, [&](auto&& node) { out.push_back(std::forward<decltype(node)>(node)); });
}

toml::table to_table(const py::dict& d, const std::string& path) {
  toml::table t;
  for (const auto& [k, v] : d) {
    if (!py::isinstance<py::str>(k)) {
      throw InvalidArgument("config: " + path + ": key " + std::string(py::repr(k)) +
                            " is not a string");
    }
    const std::string key = k.cast<std::string>();
    const std::string sub = path.empty() ? key : path + "." + key;
    convert_value(
        v, sub, [&](auto&& node) { t.insert_or_assign(key, std::forward<decltype(node)>(node)); });
  }
  return t;
}

std::string toml_text(const toml::table& t) {
  std::ostringstream s;
  s << t;
  return s.str();
}

// ---- with a Python objective: [problem] is the objective -------------------------------

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument(path + ": cannot read the experiment file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The [problem] table may be absent or say kind = "python"; the parser gets a minimization
// placeholder (it validates [stop] by the family) and the echo says "python".
std::string objective_config_text(const std::string& text, const std::string& source,
                                  const std::vector<std::string>& overrides) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw InvalidArgument(source + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                          ": " + std::string(e.description()));
  }
  if (const toml::node* p = root.get("problem")) {
    const toml::table* t = p->as_table();
    const bool ok =
        t != nullptr && (t->empty() || (t->size() == 1 && t->contains("kind") &&
                                        t->get("kind")->value_or(std::string()) == "python"));
    if (!ok) {
      throw InvalidArgument(source +
                            ": [problem]: with objective=..., the problem is the Python "
                            "objective: omit [problem] or give only kind = \"python\"");
    }
  }
  for (const auto& o : overrides) {
    if (o.rfind("problem", 0) == 0) {
      throw InvalidArgument("set " + o + ": with objective=..., there is no [problem] to override");
    }
  }
  root.insert_or_assign("problem", toml::table{{"kind", "quadratic"}});
  return toml_text(root);
}

// ---- the run --------------------------------------------------------------------------------

// Keeps every metrics row for Python, and forwards to the output writer when there is one.
class Collector final : public RunObserver {
 public:
  explicit Collector(RunObserver* next) : next_(next) {}
  void on_validated(const RunResult& h) override {
    if (next_) next_->on_validated(h);
  }
  void on_method_start(std::size_t i) override {
    if (next_) next_->on_method_start(i);
  }
  void on_round(std::uint64_t r, double b) override {
    if (next_) next_->on_round(r, b);
  }
  void on_row(const MetricRow& row) override {
    rows.push_back(row);
    if (next_) next_->on_row(row);
  }
  void on_method_end(const MethodResult& m) override {
    if (next_) next_->on_method_end(m);
  }
  std::vector<MetricRow> rows;

 private:
  RunObserver* next_;
};

std::filesystem::path default_data_root() {
  if (const char* env = std::getenv("DCOPT_DATA_DIR")) return env;
  return DCOPT_DATA_DIR;
}

template <typename T, typename F>
py::array_t<T> column(const std::vector<MetricRow>& rows, F&& get) {
  py::array_t<T> a(static_cast<py::ssize_t>(rows.size()));
  T* p = a.mutable_data();
  for (std::size_t i = 0; i < rows.size(); ++i) p[i] = static_cast<T>(get(rows[i]));
  return a;
}

py::dict run(const py::object& config, const std::vector<std::string>& overrides,
             const py::object& objective, const std::optional<std::string>& out, bool progress,
             const std::optional<std::string>& data_root) {
  ExperimentConfig cfg;
  const bool custom = !objective.is_none();
  if (py::isinstance<py::dict>(config)) {
    const std::string text = toml_text(to_table(config.cast<py::dict>(), ""));
    cfg = custom ? parse_experiment_config(objective_config_text(text, "<dict>", overrides),
                                           "<dict>", overrides)
                 : parse_experiment_config(text, "<dict>", overrides);
  } else if (py::isinstance<py::str>(config)) {
    const std::string path = config.cast<std::string>();
    cfg = custom ? parse_experiment_config(objective_config_text(read_file(path), path, overrides),
                                           path, overrides)
                 : load_experiment_config(path, overrides);
  } else {
    throw py::type_error("config must be a path (str or os.PathLike) or a dict");
  }
  cfg.problem.data_root = data_root ? std::filesystem::path(*data_root) : default_data_root();

  auto errors = std::make_shared<PythonErrorSlot>();
  std::unique_ptr<ProblemSource> source;
  if (custom) {
    cfg.problem.kind = "python";
    cfg.problem.settings = Settings();
    nlohmann::json echo = nlohmann::json::parse(cfg.echo_json);
    echo["problem"] = {{"kind", "python"}};
    cfg.echo_json = echo.dump();
    source = make_python_source(objective, cfg.workers, errors);
  } else {
    py::gil_scoped_release nogil;  // reading a dataset may take a while
    source = make_problem_source(cfg.problem, cfg.workers, cfg.seed);
  }

  std::unique_ptr<OutputWriter> writer;
  if (out) writer = std::make_unique<OutputWriter>(cfg, *out, progress);
  Collector collector(writer.get());
  RunResult result;
  std::vector<std::string> warnings;
  try {
    py::gil_scoped_release nogil;
    // A Python objective takes the GIL within each call, never across a collective, so workers
    // may move between pool threads.
    ThreadRunOptions pool;
    pool.migrate = true;
    run_threads(
        cfg.workers,
        [&](Communicator& comm) {
          WorkerContext ctx{comm, cfg.seed};
          RunResult r = run_experiment(ctx, cfg, *source, comm.rank() == 0 ? &collector : nullptr);
          if (comm.rank() == 0) result = std::move(r);
        },
        pool);
    if (writer) warnings = writer->finish(result, "threads");
  } catch (...) {
    // The objective's own Python exception (with its traceback) rather than its C++ echo.
    if (auto e = errors->take()) throw std::move(*e);
    throw;
  }
  source.reset();  // the Python objects' references, with the GIL held

  py::dict columns;
  const auto& rows = collector.rows;
  columns["method_index"] = column<std::int64_t>(rows, [](const MetricRow& r) { return r.method; });
  columns["round"] = column<std::int64_t>(rows, [](const MetricRow& r) { return r.round; });
  for (std::size_t k = 0; k < result.metric_names.size(); ++k) {
    columns[py::str(result.metric_names[k])] =
        column<double>(rows, [k](const MetricRow& r) { return r.metrics.at(k); });
  }
  columns["bits_up"] = column<double>(rows, [](const MetricRow& r) { return r.cost.bits_up; });
  columns["bits_down"] = column<double>(rows, [](const MetricRow& r) { return r.cost.bits_down; });
  columns["oracle_calls"] =
      column<double>(rows, [](const MetricRow& r) { return r.cost.oracle_calls; });
  columns["sample_grads"] =
      column<double>(rows, [](const MetricRow& r) { return r.cost.sample_grads; });
  columns["wall_s"] = column<double>(rows, [](const MetricRow& r) { return r.wall_s; });
  std::vector<std::string> labels, codecs;
  for (const auto& m : result.methods) {
    labels.push_back(m.label);
    codecs.push_back(m.codec);
  }
  return py::dict("columns"_a = columns, "metric_names"_a = result.metric_names,
                  "labels"_a = labels, "codecs"_a = codecs,
                  "summary_json"_a = summary_json(cfg, result, "threads"),
                  "out"_a = out ? py::object(py::str(writer->destination().string())) : py::none(),
                  "warnings"_a = warnings);
}

}  // namespace

void bind_run(py::module_& m) {
  m.def("_run", &run, "config"_a, "overrides"_a, "objective"_a, "out"_a, "progress"_a,
        "data_root"_a, "The engine of dcopt.run (see its help).");
  m.attr("_default_data_root") = default_data_root().string();
}

}  // namespace dcopt::python
