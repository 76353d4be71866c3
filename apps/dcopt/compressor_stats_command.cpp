#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "dcopt/compress/compressor_stats.hpp"
#include "dcopt/compress/registry.hpp"

namespace dcopt::cli {
namespace {

struct Options {
  std::string spec;
  std::size_t dim = 0;
  int trials = 2000;
  std::uint64_t seed = 1;
  bool json = false;
};

nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

int run(const Options& o) {
  CompressorPtr codec = make_compressor(o.spec);
  CompressorStats s = measure_compressor(*codec, o.dim, o.trials, o.seed);
  if (o.json) {
    nlohmann::json j = {{"spec", s.spec},
                        {"dim", s.dim},
                        {"trials", s.trials},
                        {"unbiased", s.unbiased},
                        {"omega_declared", finite_or_null(s.omega_declared)},
                        {"delta_declared", finite_or_null(s.delta_declared)},
                        {"omega_measured", s.omega_measured},
                        {"bias_measured", s.bias_measured},
                        {"bias_noise_floor", finite_or_null(s.bias_noise_floor)},
                        {"bits_mean", s.bits_mean},
                        {"payload_bits_mean", s.payload_bits_mean},
                        {"density_declared", s.density_declared},
                        {"density_measured", s.density_measured},
                        {"consistent", s.consistent}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    auto num = [](double v) { return std::isfinite(v) ? std::to_string(v) : std::string("-"); };
    std::printf("spec              %s\n", s.spec.c_str());
    std::printf("dim, trials       %zu, %d\n", s.dim, s.trials);
    std::printf("unbiased          %s\n", s.unbiased ? "yes" : "no");
    std::printf("omega declared    %s\n", num(s.omega_declared).c_str());
    std::printf("delta declared    %s   (contraction 1-1/delta = %s)\n",
                num(s.delta_declared).c_str(),
                num(std::isfinite(s.delta_declared) ? 1 - 1 / s.delta_declared : NAN).c_str());
    std::printf("E|Q(x)-x|^2/|x|^2 %.6g (measured)\n", s.omega_measured);
    // ||mean Q(x) - x|| / ||x|| over all trials, next to its standard error: an unbiased codec
    // reads within a few noise floors of 0, and both shrink like 1/sqrt(trials).
    std::printf("relative bias     %.3g (measured)\n", s.bias_measured);
    if (std::isfinite(s.bias_noise_floor)) {
      std::printf("bias noise floor  %.3g (standard error of the bias over %d trials)\n",
                  s.bias_noise_floor, s.trials);
    } else {
      std::printf("bias noise floor  - (needs trials >= 2)\n");
    }
    std::printf("density           %.6g measured, %.6g declared\n", s.density_measured,
                s.density_declared);
    std::printf("bits per vector   %.1f (payload %.1f)\n", s.bits_mean, s.payload_bits_mean);
    std::printf("declared constants %s\n", s.consistent ? "hold" : "DO NOT HOLD");
  }
  return s.consistent ? 0 : 1;
}

}  // namespace

void add_compressor_stats_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "compressor-stats",
      "Measure a codec's bias, variance/contraction, density and bits on random vectors");
  auto o = std::make_shared<Options>();
  cmd->add_option("spec", o->spec, "Codec spec, e.g. topk:ratio=0.3 (see `dcopt compressors`)")
      ->required();
  cmd->add_option("--dim", o->dim, "Vector dimension (>= 1)")
      ->required()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 32));
  cmd->add_option("--trials", o->trials,
                  "Number of encodings of one Gaussian vector (>= 1); the bias and its noise "
                  "floor shrink like 1/sqrt(trials)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000000));
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_flag("--json", o->json, "Machine-readable output");
  cmd->callback([&action, o] { action = [o] { return run(*o); }; });
}

}  // namespace dcopt::cli
