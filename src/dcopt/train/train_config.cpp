#include "dcopt/train/train_config.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/experiment/config_file.hpp"

namespace dcopt::train {
namespace {

Settings table(const toml::table& root, const char* key, const std::string& source,
               bool integer_lists = false) {
  const toml::table* t = config_sub_table(root, key, source, false);
  std::string ctx = source;
  if (t) ctx = config_where(source, *t);
  ctx += " [";
  ctx += key;
  ctx += "]";
  if (t == nullptr) return Settings(ctx);
  return config_settings(*t, ctx, {}, integer_lists);
}

}  // namespace

TrainConfig parse_train_tables(const toml::table& root, const std::string& source,
                               const std::set<std::string>& task_tables,
                               const std::set<std::string>& task_keys) {
  TrainConfig cfg;
  cfg.source = source;
  cfg.echo_json = config_json(root);

  std::set<std::string> skip = {"model", "train", "optimizer", "communication", "output"};
  skip.insert(task_tables.begin(), task_tables.end());
  skip.insert(task_keys.begin(), task_keys.end());
  Settings top = config_settings(root, source, skip);
  std::string stem = std::filesystem::path(source).stem().string();
  cfg.name = top.string("name", stem.empty() ? "train" : stem);
  if (cfg.name.empty() || cfg.name.find_first_of("/\\") != std::string::npos || cfg.name == "." ||
      cfg.name == "..") {
    throw InvalidArgument(source + ": name = \"" + cfg.name +
                          "\": must be a non-empty file name (no '/'), it names runs/<name>");
  }
  cfg.seed = static_cast<std::uint64_t>(top.integer("seed", 0, 0, INT64_MAX));
  cfg.workers = static_cast<int>(top.integer("workers", 1, 1, 1024));
  cfg.topology = parse_topology(top.string("topology", "allgather"), source);
  top.reject_unused();

  cfg.model = table(root, "model", source, true);

  Settings t = table(root, "train", source);
  cfg.loop.batch = static_cast<std::size_t>(t.integer("batch", 64, 1, 1 << 24));
  cfg.loop.epochs = static_cast<std::uint64_t>(t.integer("epochs", 1, 1, 1'000'000));
  cfg.loop.steps = static_cast<std::uint64_t>(t.integer("steps", 0, 0, 1'000'000'000'000));
  cfg.loop.eval_every = static_cast<std::uint64_t>(t.integer("eval_every", 0, 0, INT64_MAX));
  cfg.loop.eval_batch = static_cast<std::size_t>(t.integer("eval_batch", 1000, 1, 1 << 24));
  cfg.loop.threads = static_cast<int>(t.integer("threads", 1, 1, 256));
  cfg.loop.full_gradient = t.choice("full_gradient", "", {"", "loader", "shard"});
  cfg.loop.chunk = static_cast<std::size_t>(t.integer("chunk", 1000, 1, 1 << 24));
  t.reject_unused();

  cfg.optimizer = table(root, "optimizer", source);
  cfg.communication = table(root, "communication", source);
  cfg.method = cfg.communication.string("method", "allreduce");
  cfg.communication.mark_used("method");

  Settings o = table(root, "output", source);
  cfg.plots = o.boolean("plots", true);
  o.reject_unused();
  return cfg;
}

TrainConfig parse_train_config(const std::string& text, const std::string& source,
                               const std::vector<std::string>& overrides) {
  toml::table root = parse_config(text, source, overrides);
  if (!root.get("model")) {
    throw InvalidArgument(source + ": missing table [model]; e.g. [model] name = \"cnn\"");
  }
  TrainConfig cfg = parse_train_tables(root, source, {"data"}, {});

  Settings d = table(root, "data", source);
  cfg.data.dataset = d.choice("dataset", "fashion-mnist", {"fashion-mnist", "mnist"});
  cfg.data.dir = d.string("dir", kFashionMnistDir);
  cfg.data.train_limit = static_cast<std::size_t>(d.integer("train_limit", 0, 0, INT64_MAX));
  cfg.data.test_limit = static_cast<std::size_t>(d.integer("test_limit", 0, 0, INT64_MAX));
  cfg.data.shards = d.choice("shards", "iid", {"iid", "label_skew"});
  cfg.data.classes_per_worker =
      static_cast<std::size_t>(d.integer("classes_per_worker", 2, 1, 1000));
  d.reject_unused();
  return cfg;
}

TrainConfig load_train_config(const std::filesystem::path& path,
                              const std::vector<std::string>& overrides) {
  return parse_train_config(read_config_file(path), path.string(), overrides);
}

}  // namespace dcopt::train
