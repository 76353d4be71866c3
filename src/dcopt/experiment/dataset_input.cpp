#include "dcopt/experiment/dataset_input.hpp"

#include <fmt/format.h>

#include <array>
#include <numeric>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/data/libsvm_reader.hpp"

namespace dcopt {
namespace {

constexpr std::int64_t kMaxClass = 9;  // MNIST and Fashion-MNIST label their images 0..9

std::filesystem::path resolve(const std::string& written, const std::filesystem::path& root) {
  std::filesystem::path p = written;
  return p.is_relative() ? root / p : p;
}

// A required path key: present and a non-empty string.
std::string path_key(const Settings& s, const char* key, const std::string& what,
                     const std::filesystem::path& root) {
  const std::string value = s.has(key) ? s.string(key, "") : "";
  if (value.empty()) {
    throw InvalidArgument(s.context() + ": missing key '" + key + "' (" + what +
                          ": absolute, or relative to " + root.string() + ")");
  }
  return value;
}

// The classes of `key` (0..9, each once); empty if absent.
std::vector<std::uint8_t> classes(const Settings& s, const char* key) {
  std::vector<std::uint8_t> out;
  const auto list = s.optional_integer_list(key, 0, kMaxClass);
  if (!list) return out;
  std::array<bool, kMaxClass + 1> seen{};
  for (std::int64_t c : *list) {
    if (seen[static_cast<std::size_t>(c)]) {
      throw InvalidArgument(s.context() + ": " + key + " = " + Settings::to_string(*list) +
                            ": class " + std::to_string(c) + " is listed twice");
    }
    seen[static_cast<std::size_t>(c)] = true;
    out.push_back(static_cast<std::uint8_t>(c));
  }
  return out;
}

std::string class_list(const std::vector<std::uint8_t>& classes) {
  std::string s = "[";
  for (std::size_t i = 0; i < classes.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(classes[i]);
  }
  return s + "]";
}

void require_file(const Settings& s, const char* key, const std::filesystem::path& path,
                  const std::filesystem::path& root) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InvalidArgument(s.context() + ": " + key + " = \"" + s.string(key, "") +
                          "\": no such file: " + path.string() +
                          " (relative paths resolve against the data directory " + root.string() +
                          ", or set DCOPT_DATA_DIR)");
  }
}

}  // namespace

DatasetInput parse_dataset_input(const Settings& s, const std::filesystem::path& data_root) {
  DatasetInput in;
  in.format = s.choice("format", "libsvm", {"libsvm", "idx"}) == "idx" ? DataFormat::idx
                                                                       : DataFormat::libsvm;
  const bool idx = in.format == DataFormat::idx;
  // Keys of the other format are errors, not unknown keys: say which format they belong to.
  for (const char* key : {"labels", "positive", "negative"}) {
    if (!idx && s.has(key)) {
      throw InvalidArgument(s.context() + ": " + key + " applies to format = \"idx\" only (" +
                            "format is \"libsvm\", whose file holds its labels); set format = "
                            "\"idx\" for IDX images");
    }
  }
  if (idx && s.has("dim")) {
    throw InvalidArgument(s.context() +
                          ": dim applies to format = \"libsvm\" only (IDX images fix d = rows x "
                          "cols, 784 for 28 x 28)");
  }
  in.data = resolve(
      path_key(s, "data", idx ? "the IDX images file (idx3-ubyte, .gz or plain)" : "a LibSVM file",
               data_root),
      data_root);
  if (idx) {
    in.labels =
        resolve(path_key(s, "labels", "the IDX labels file (idx1-ubyte, .gz or plain)", data_root),
                data_root);
    if (!s.has("positive")) {
      throw InvalidArgument(s.context() +
                            ": missing key 'positive' (the classes labelled +1, a list of "
                            "0..9, e.g. positive = [0]; negative = [6] or absent for "
                            "one-vs-rest)");
    }
    in.task.positive = classes(s, "positive");
    in.task.negative = classes(s, "negative");
    if (in.task.positive.empty()) {
      throw InvalidArgument(s.context() +
                            ": positive = []: give at least one class (0 <= class <= 9)");
    }
    for (std::uint8_t c : in.task.negative) {
      for (std::uint8_t p : in.task.positive) {
        if (c == p) {
          throw InvalidArgument(s.context() + ": class " + std::to_string(c) +
                                " is in both positive = " + class_list(in.task.positive) +
                                " and negative = " + class_list(in.task.negative) +
                                "; the sets must be disjoint");
        }
      }
    }
  } else if (auto d = s.optional_integer("dim", 1, 1'000'000'000)) {
    in.dim = static_cast<std::size_t>(*d);
  }
  if (auto m = s.optional_integer("max_rows", 1, 1'000'000'000'000)) {
    in.max_rows = static_cast<std::size_t>(*m);
  }
  return in;
}

Dataset load_dataset(const DatasetInput& in, const Settings& s,
                     const std::filesystem::path& data_root) {
  require_file(s, "data", in.data, data_root);
  Dataset data;
  if (in.format == DataFormat::idx) {
    require_file(s, "labels", in.labels, data_root);
    data = read_idx_dataset(in.data, in.labels, in.task);
  } else {
    LibsvmOptions read;
    read.dim = in.dim;
    data = read_libsvm(in.data, read);
  }
  if (in.max_rows) {
    if (*in.max_rows > data.num_rows()) {
      throw InvalidArgument(fmt::format(
          "{}: max_rows = {}: {} has only {} rows{}; valid: 1 <= max_rows <= {}", s.context(),
          *in.max_rows, in.data.string(), data.num_rows(),
          in.format == DataFormat::idx ? " for " + describe_task(in.task) : "", data.num_rows()));
    }
    std::vector<std::uint32_t> first(*in.max_rows);
    std::iota(first.begin(), first.end(), 0u);
    data = data.subset(first);
  }
  if (in.format == DataFormat::idx) {
    std::size_t positives = 0;
    for (double y : data.labels) positives += y > 0 ? 1 : 0;
    if (positives == 0 || positives == data.num_rows()) {
      throw InvalidArgument(fmt::format(
          "{}: {}: {} holds {} rows of the positive classes and {} of the negative ones{}; a "
          "binary task needs both",
          s.context(), describe_task(in.task), in.labels.string(), positives,
          data.num_rows() - positives, in.max_rows ? " within max_rows" : ""));
    }
  }
  return data;
}

std::string describe_task(const IdxBinaryTask& task) {
  return "classes " + class_list(task.positive) + " vs " +
         (task.negative.empty() ? std::string("rest") : class_list(task.negative));
}

}  // namespace dcopt
