// Encode and decode throughput of the quantizing codecs at d = 1e6 and 1e7. bytes_per_second is
// 4d bytes per call (the fp32-equivalent input size), so codecs compare directly with the
// memcpy of a 4d-byte buffer at the top, the bandwidth reference the targets are stated against.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/rng.hpp"

namespace {

using dcopt::Purpose;
using dcopt::Rng;

std::vector<double> gaussian(std::size_t d) {
  Rng rng(1, Purpose::test, 0, d);
  std::vector<double> x(d);
  for (double& v : x) v = rng.normal();
  return x;
}

void set_rate(benchmark::State& state, std::size_t d) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(4 * d));
}

void bm_memcpy(benchmark::State& state) {
  const auto d = static_cast<std::size_t>(state.range(0));
  std::vector<char> src(4 * d, 1), dst(4 * d);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, d);
}

void bm_encode(benchmark::State& state, const std::string& spec) {
  const auto d = static_cast<std::size_t>(state.range(0));
  auto codec = dcopt::make_compressor(spec);
  auto x = gaussian(d);
  std::uint64_t round = 0;
  std::uint64_t bits = 0;
  for (auto _ : state) {
    Rng rng(2, Purpose::compressor, 0, round++);
    auto m = codec->encode(x, rng);
    bits = m.bits;
    benchmark::DoNotOptimize(m.bytes.data());
  }
  state.counters["bits_per_entry"] = static_cast<double>(bits) / static_cast<double>(d);
  set_rate(state, d);
}

void bm_decode(benchmark::State& state, const std::string& spec) {
  const auto d = static_cast<std::size_t>(state.range(0));
  auto codec = dcopt::make_compressor(spec);
  auto x = gaussian(d);
  Rng rng(2, Purpose::compressor, 0, 0);
  auto m = codec->encode(x, rng);
  std::vector<double> acc(d, 0.0);
  for (auto _ : state) {
    codec->decode_add(m.bytes, 1.0, acc, Rng(2, Purpose::compressor, 0, 0));
    benchmark::DoNotOptimize(acc.data());
  }
  set_rate(state, d);
}

const char* const kSpecs[] = {"natural",
                              "natural_dithering",
                              "qsgd:s=16",
                              "qsgd:s=16,coding=fixed",
                              "scaled_sign",
                              "int8",
                              "int8:rounding=stochastic",
                              "fp16",
                              "bf16"};

int register_all() {
  benchmark::RegisterBenchmark("memcpy_4d_bytes", bm_memcpy)
      ->Arg(1'000'000)
      ->Arg(10'000'000)
      ->Unit(benchmark::kMillisecond);
  for (const char* spec : kSpecs) {
    std::string s = spec;
    benchmark::RegisterBenchmark(("encode/" + s).c_str(),
                                 [s](benchmark::State& st) { bm_encode(st, s); })
        ->Arg(1'000'000)
        ->Arg(10'000'000)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("decode/" + s).c_str(),
                                 [s](benchmark::State& st) { bm_decode(st, s); })
        ->Arg(1'000'000)
        ->Arg(10'000'000)
        ->Unit(benchmark::kMillisecond);
  }
  return 0;
}

const int kRegistered = register_all();

}  // namespace
