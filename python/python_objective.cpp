#include "python_objective.hpp"

#include <pybind11/numpy.h>

#include <cmath>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/experiment/problem_instance.hpp"
#include "dcopt/problems/objective.hpp"

namespace py = pybind11;

namespace dcopt::python {

void PythonErrorSlot::record(const py::error_already_set& e) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!first_) first_.emplace(e);
}

std::optional<py::error_already_set> PythonErrorSlot::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<py::error_already_set> e = std::move(first_);
  first_.reset();
  return e;
}

namespace {

// The constants the methods' theory reads, fixed when the run starts.
struct WorkerConstants {
  std::size_t dim = 0;
  std::size_t num_samples = 1;
  double smoothness = 0;
  double mean_sample_smoothness = 0;
  std::optional<double> strong_convexity;
  bool has_minibatch = false;
  bool has_value_and_gradient = false;
};

// A NumPy view of a C++ buffer: no copy; read-only for inputs.
template <typename T>
py::array view(std::span<T> s) {
  py::array a(py::dtype::of<std::remove_const_t<T>>(), {static_cast<py::ssize_t>(s.size())}, {},
              const_cast<std::remove_const_t<T>*>(s.data()), py::none());
  if constexpr (std::is_const_v<T>) {
    py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  }
  return a;
}

class PythonObjective final : public Objective {
 public:
  PythonObjective(py::handle obj, int rank, WorkerConstants c,
                  std::shared_ptr<PythonErrorSlot> errors)
      : obj_(obj), rank_(rank), c_(c), errors_(std::move(errors)) {}

  std::size_t dim() const override { return c_.dim; }
  std::size_t num_samples() const override { return c_.num_samples; }
  double smoothness() const override { return c_.smoothness; }
  double mean_sample_smoothness() const override { return c_.mean_sample_smoothness; }
  std::optional<double> strong_convexity() const override { return c_.strong_convexity; }

  double value(std::span<const double> x) const override {
    return call("value", [&] { return number(obj_.attr("value")(view(x)), "value"); });
  }

  void gradient(std::span<const double> x, std::span<double> g) const override {
    call("gradient", [&] {
      store(obj_.attr("gradient")(view(x), view(g)), g, "gradient");
      return 0.0;
    });
  }

  void minibatch_gradient(std::span<const double> x, std::span<const std::uint32_t> idx,
                          std::span<double> g) const override {
    if (!c_.has_minibatch) {
      if (c_.num_samples != 1) {
        throw InvalidArgument("python objective (worker " + std::to_string(rank_) +
                              "): num_samples = " + std::to_string(c_.num_samples) +
                              " but no minibatch_gradient(x, idx, out) method");
      }
      gradient(x, g);  // one term: every minibatch gradient is the full gradient
      return;
    }
    call("minibatch_gradient", [&] {
      store(obj_.attr("minibatch_gradient")(view(x), view(idx), view(g)), g, "minibatch_gradient");
      return 0.0;
    });
  }

  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    if (!c_.has_value_and_gradient) return Objective::value_and_gradient(x, g);
    return call("value_and_gradient", [&] {
      py::object r = obj_.attr("value_and_gradient")(view(x), view(g));
      return number(r, "value_and_gradient");
    });
  }

 private:
  // Runs f with the GIL; a Python exception is kept for the caller of dcopt.run and ends the run
  // with a C++ error naming the worker and the method.
  template <typename F>
  double call(const char* what, F&& f) const {
    py::gil_scoped_acquire gil;
    try {
      return f();
    } catch (py::error_already_set& e) {
      errors_->record(e);
      throw Error("python objective (worker " + std::to_string(rank_) + ") " + what + ": " +
                  e.what());
    } catch (const py::cast_error& e) {
      throw InvalidArgument("python objective (worker " + std::to_string(rank_) + ") " + what +
                            ": " + e.what());
    }
  }

  double number(const py::object& r, const char* what) const {
    if (!py::isinstance<py::float_>(r) && !py::isinstance<py::int_>(r) &&
        !py::hasattr(r, "__float__")) {
      throw InvalidArgument("python objective (worker " + std::to_string(rank_) + ") " + what +
                            " returned " + std::string(py::str(py::type::of(r).attr("__name__"))) +
                            ", expected a number");
    }
    return py::cast<double>(r.attr("__float__")());
  }

  // A gradient method either wrote into `out` and returned None, or returned the gradient.
  void store(const py::object& r, std::span<double> g, const char* what) const {
    if (r.is_none()) return;
    auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(r);
    if (!a || a.ndim() != 1 || static_cast<std::size_t>(a.shape(0)) != g.size()) {
      throw InvalidArgument(
          "python objective (worker " + std::to_string(rank_) + ") " + what +
          ": returned something that is not a vector of length dim = " + std::to_string(g.size()) +
          " (write into `out` and return None, or return the gradient)");
    }
    std::copy_n(a.data(), g.size(), g.data());
  }

  py::handle obj_;  // borrowed from the source, which outlives the run
  int rank_;
  WorkerConstants c_;
  std::shared_ptr<PythonErrorSlot> errors_;
};

double positive_number(const py::object& obj, const char* name, const std::string& ctx) {
  double v = 0;
  try {
    v = py::cast<double>(obj.attr("__float__")());
  } catch (const std::exception&) {
    throw InvalidArgument(ctx + ": " + name + " must be a number");
  }
  if (!(std::isfinite(v) && v > 0)) {
    throw InvalidArgument(ctx + ": " + name + " = " + std::to_string(v) +
                          " must be finite and > 0 (an upper bound on the Lipschitz constant of "
                          "the gradient)");
  }
  return v;
}

WorkerConstants read_constants(const py::object& obj, const std::string& ctx) {
  WorkerConstants c;
  for (const char* required : {"dim", "value", "gradient", "smoothness"}) {
    if (!py::hasattr(obj, required)) {
      throw InvalidArgument(ctx + ": missing attribute '" + required +
                            "' (an objective needs dim, value(x), gradient(x, out) and "
                            "smoothness; see help(dcopt.Objective))");
    }
  }
  const auto dim = py::cast<long long>(obj.attr("dim"));
  if (dim < 1) throw InvalidArgument(ctx + ": dim = " + std::to_string(dim) + " must be >= 1");
  c.dim = static_cast<std::size_t>(dim);
  const auto m = py::cast<long long>(py::getattr(obj, "num_samples", py::int_(1)));
  if (m < 1) throw InvalidArgument(ctx + ": num_samples = " + std::to_string(m) + " must be >= 1");
  c.num_samples = static_cast<std::size_t>(m);
  c.smoothness = positive_number(obj.attr("smoothness"), "smoothness", ctx);
  py::object lbar = py::getattr(obj, "mean_sample_smoothness", py::none());
  c.mean_sample_smoothness =
      lbar.is_none() ? c.smoothness : positive_number(lbar, "mean_sample_smoothness", ctx);
  py::object mu = py::getattr(obj, "strong_convexity", py::none());
  if (!mu.is_none()) {
    const double v = py::cast<double>(mu.attr("__float__")());
    if (!(std::isfinite(v) && v >= 0)) {
      throw InvalidArgument(ctx + ": strong_convexity must be None or a finite number >= 0");
    }
    c.strong_convexity = v;
  }
  auto callable = [&](const char* name) {
    py::object a = py::getattr(obj, name, py::none());
    return !a.is_none() && PyCallable_Check(a.ptr());
  };
  c.has_minibatch = callable("minibatch_gradient");
  c.has_value_and_gradient = callable("value_and_gradient");
  return c;
}

class PythonSource final : public ProblemSource {
 public:
  PythonSource(const py::object& objective, int workers, std::shared_ptr<PythonErrorSlot> errors)
      : errors_(std::move(errors)) {
    const bool by_rank = PyCallable_Check(objective.ptr()) != 0;
    if (!by_rank) {
      if (!py::isinstance<py::sequence>(objective) ||
          py::len(objective) != static_cast<std::size_t>(workers)) {
        throw InvalidArgument("objective: give a sequence of workers = " + std::to_string(workers) +
                              " objects (one f_i per worker) or a callable rank -> objective");
      }
    }
    for (int r = 0; r < workers; ++r) {
      std::string ctx = "objective (worker " + std::to_string(r) + ")";
      py::object obj = by_rank ? objective(r) : py::object(objective[py::int_(r)]);
      constants_.push_back(read_constants(obj, ctx));
      if (constants_.back().dim != constants_.front().dim) {
        throw InvalidArgument(ctx + ": dim = " + std::to_string(constants_.back().dim) +
                              " but worker 0 has dim = " + std::to_string(constants_[0].dim));
      }
      objects_.push_back(std::move(obj));
    }
    py::handle type = py::type::of(objects_.front());
    description_ = "python objective " + std::string(py::str(type.attr("__qualname__"))) +
                   " d=" + std::to_string(constants_[0].dim) + ", " + std::to_string(workers) +
                   " workers";
  }

  std::string describe() const override { return description_; }
  std::unique_ptr<ProblemInstance> make_worker(int rank) const override {
    const auto r = static_cast<std::size_t>(rank);
    return make_minimization_instance(
        std::make_shared<const PythonObjective>(objects_.at(r), rank, constants_.at(r), errors_));
  }

 private:
  std::vector<py::object> objects_;  // one reference each; released with the GIL held
  std::vector<WorkerConstants> constants_;
  std::shared_ptr<PythonErrorSlot> errors_;
  std::string description_;
};

}  // namespace

std::unique_ptr<ProblemSource> make_python_source(const py::object& objective, int workers,
                                                  std::shared_ptr<PythonErrorSlot> errors) {
  return std::make_unique<PythonSource>(objective, workers, std::move(errors));
}

}  // namespace dcopt::python
