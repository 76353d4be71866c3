// `dcopt pretrain | finetune | sharpness`: the text half of the transformer commands. This
// program tokenizes (it links SentencePiece); dcopt-train trains (it links LibTorch, and must
// never load SentencePiece: Debian's libsentencepiece bundles a protobuf-lite that collides with
// LibTorch's protobuf in one process). They meet at a token file (data/token_file) in the
// temporary directory, which dcopt-train deletes after reading it (--tokens-temporary).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/core/timer.hpp"
#include "dcopt/data/token_file.hpp"
#include "dcopt/experiment/config_file.hpp"
#include "dcopt/experiment/text_inputs.hpp"

namespace dcopt::cli {
namespace fs = std::filesystem;
namespace {

std::optional<TextCommand> text_command(std::string_view name) {
  if (name == "pretrain") return TextCommand::pretrain;
  if (name == "finetune") return TextCommand::finetune;
  if (name == "sharpness") return TextCommand::sharpness;
  return std::nullopt;
}

// The value of option `name` ("--set") in `args`: every "--set X" and "--set=X", in order.
// The arguments themselves stay as they are: dcopt-train reads them again.
std::vector<std::string> option_values(const std::vector<std::string>& args,
                                       const std::string& name) {
  std::vector<std::string> values;
  const std::string with_eq = name + "=";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name) {
      if (i + 1 >= args.size()) throw InvalidArgument(name + " needs a value");
      values.push_back(args[++i]);
    } else if (args[i].rfind(with_eq, 0) == 0) {
      values.push_back(args[i].substr(with_eq.size()));
    }
  }
  return values;
}

std::optional<std::string> last_option_value(const std::vector<std::string>& args,
                                             const std::string& name) {
  const std::vector<std::string> v = option_values(args, name);
  if (v.empty()) return std::nullopt;
  return v.back();
}

// The first argument after the command: CONFIG or RUN_DIR.
std::string positional(const std::vector<std::string>& args, const char* what) {
  if (args.size() < 2 || args[1].empty() || args[1][0] == '-') {
    throw InvalidArgument("usage: dcopt " + args[0] + " " + what +
                          " [options]; the first argument is the " + what + " (dcopt " + args[0] +
                          " --help lists the options)");
  }
  return args[1];
}

// `dcopt sharpness RUN_DIR --task NAME [--data DIR] [--limit N]` as the table a finetune file
// would hold, so that one reader checks and resolves it.
toml::table sharpness_table(const std::vector<std::string>& args) {
  toml::table root;
  root.insert("pretrained", positional(args, "RUN_DIR"));
  toml::table data;
  const std::optional<std::string> task = last_option_value(args, "--task");
  if (!task) {
    throw InvalidArgument(
        "dcopt sharpness: missing --task NAME (the GLUE task the run was fine-tuned on)");
  }
  data.insert("task", *task);
  if (auto dir = last_option_value(args, "--data")) data.insert("dir", *dir);
  if (auto limit = last_option_value(args, "--limit")) {
    if (limit->empty() || limit->size() > 12 ||
        limit->find_first_not_of("0123456789") != std::string::npos) {
      throw InvalidArgument("dcopt sharpness: --limit " + *limit +
                            ": expected a number of examples (0: all)");
    }
    const auto n = static_cast<std::int64_t>(std::stoll(*limit));
    data.insert("train_limit", n);
    data.insert("dev_limit", n);
  }
  root.insert("data", std::move(data));
  return root;
}

TextDataConfig read_config(const std::vector<std::string>& args, TextCommand command) {
  if (command == TextCommand::sharpness) {
    return read_text_data_config(sharpness_table(args), "dcopt sharpness", command, data_root());
  }
  const std::string path = positional(args, "CONFIG");
  const toml::table root = parse_config(read_config_file(path), path, option_values(args, "--set"));
  return read_text_data_config(root, path, command, data_root());
}

// A fresh file in the temporary directory, created (empty) so that no other process picks the
// same name: the pid separates the ranks of one mpirun, the random part everything else.
fs::path reserve_token_file() {
  std::random_device entropy;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = "dcopt-tokens-";
    name += std::to_string(::getpid());
    name += '-';
    name += hex64((std::uint64_t{entropy()} << 32) | entropy());
    name += ".bin";
    const fs::path p = fs::temp_directory_path() / name;
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
      return p;
    }
  }
  throw std::runtime_error("cannot create a token file in " + fs::temp_directory_path().string());
}

// One line per mpirun, not one per rank (every rank prepares its own, identical, file).
bool first_rank() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"}) {
    if (const char* v = std::getenv(var)) return std::string_view(v) == "0";
  }
  return true;
}

void report(const TokenBundle& b, double seconds) {
  if (!first_rank()) return;
  std::string counts;
  for (const auto& [name, d] : b.splits) {
    if (!counts.empty()) counts += " / ";
    counts += std::to_string(d.size());
    counts += ' ';
    counts += name;
  }
  std::fprintf(stderr, "dcopt: tokenized %s %s (vocab %zu) in %.1f s\n", counts.c_str(),
               b.split("train").labeled ? "examples" : "sentences", b.vocab_size, seconds);
}

int prepare_and_exec(const char* argv0, const std::vector<std::string>& args, TextCommand command) {
  for (const std::string& a : args) {
    // dcopt-train's help lists the options; nothing to prepare.
    if (a == "--help" || a == "-h") return exec_dcopt_train(argv0, args);
  }
  const TextDataConfig cfg = read_config(args, command);
  // Before the tokenizing, which takes seconds: a build without dcopt-train cannot use it.
  if (!have_dcopt_train(argv0, args[0])) return 2;
  const Stopwatch clock;
  const TokenBundle bundle = prepare_text_inputs(cfg, command);
  const fs::path file = reserve_token_file();
  std::vector<std::string> train_args = args;
  try {
    write_token_file(file, bundle);
    report(bundle, clock.seconds());
    train_args.insert(train_args.end(), {"--tokens", file.string(), "--tokens-temporary"});
  } catch (...) {
    std::error_code ec;
    fs::remove(file, ec);
    throw;
  }
  const int code = exec_dcopt_train(argv0, train_args);
  std::error_code ec;  // exec failed: nobody will read (and delete) the file
  fs::remove(file, ec);
  return code;
}

}  // namespace

bool is_text_command(int argc, char** argv) {
  return argc > 1 && text_command(argv[1]).has_value();
}

int run_text_command(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return prepare_and_exec(argv[0], args, *text_command(args[0]));
  } catch (const InvalidArgument& e) {
    std::fprintf(stderr, "dcopt: error: %s\n", e.what());
    return 2;
  } catch (const DataError& e) {
    std::fprintf(stderr, "dcopt: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dcopt: error: %s\n", e.what());
    return 1;
  }
}

}  // namespace dcopt::cli
