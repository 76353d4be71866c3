// Encode and decode throughput of the quantizing codecs at d = 1e6 and 1e7. bytes_per_second is
// 4d bytes per call (the fp32-equivalent input size) for every case, fp64 or fp32 input, so
// codecs and input types compare directly (a rate ratio is a time ratio) with the memcpy of a
// 4d-byte buffer at the top, the bandwidth reference the targets are stated against.
//
// Names: encode/<spec> and decode/<spec> take fp64 input / accumulate into fp64 and encode into a
// fresh Message per call (the convenience encode(x, rng)); the suffix /fp32 is the same with fp32
// input or accumulator; /fp64_reuse and /fp32_reuse encode into one Message reused across calls
// (encode(x, rng, out): no allocation in steady state).
#include <benchmark/benchmark.h>

#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/rng.hpp"

namespace {

using dcopt::Message;
using dcopt::Purpose;
using dcopt::Rng;

// The same Gaussian draws for both types (fp32 input = the fp64 values rounded).
template <class T>
std::vector<T> gaussian(std::size_t d) {
  Rng rng(1, Purpose::test, 0, d);
  std::vector<T> x(d);
  for (T& v : x) v = static_cast<T>(rng.normal());
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

template <class T>
void bm_encode(benchmark::State& state, const std::string& spec, bool reuse) {
  const auto d = static_cast<std::size_t>(state.range(0));
  auto codec = dcopt::make_compressor(spec);
  const auto x = gaussian<T>(d);
  const std::span<const T> xs(x);
  std::uint64_t round = 0;
  std::uint64_t bits = 0;
  Message reused;
  for (auto _ : state) {
    Rng rng(2, Purpose::compressor, 0, round++);
    if (reuse) {
      codec->encode(xs, rng, reused);
      bits = reused.bits;
      benchmark::DoNotOptimize(reused.bytes.data());
    } else {
      auto m = codec->encode(xs, rng);
      bits = m.bits;
      benchmark::DoNotOptimize(m.bytes.data());
    }
  }
  state.counters["bits_per_entry"] = static_cast<double>(bits) / static_cast<double>(d);
  set_rate(state, d);
}

template <class T>
void bm_decode(benchmark::State& state, const std::string& spec) {
  const auto d = static_cast<std::size_t>(state.range(0));
  auto codec = dcopt::make_compressor(spec);
  auto x = gaussian<double>(d);
  Rng rng(2, Purpose::compressor, 0, 0);
  auto m = codec->encode(x, rng);
  std::vector<T> acc(d, T{0});
  for (auto _ : state) {
    codec->decode_add(m.bytes, 1.0, std::span<T>(acc), Rng(2, Purpose::compressor, 0, 0));
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

benchmark::internal::Benchmark* sizes(benchmark::internal::Benchmark* b) {
  return b->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);
}

int register_all() {
  sizes(benchmark::RegisterBenchmark("memcpy_4d_bytes", bm_memcpy));
  for (const char* spec : kSpecs) {
    std::string s = spec;
    sizes(benchmark::RegisterBenchmark(
        ("encode/" + s).c_str(), [s](benchmark::State& st) { bm_encode<double>(st, s, false); }));
    sizes(benchmark::RegisterBenchmark(
        ("encode/" + s + "/fp32").c_str(),
        [s](benchmark::State& st) { bm_encode<float>(st, s, false); }));
    sizes(benchmark::RegisterBenchmark(
        ("encode/" + s + "/fp64_reuse").c_str(),
        [s](benchmark::State& st) { bm_encode<double>(st, s, true); }));
    sizes(
        benchmark::RegisterBenchmark(("encode/" + s + "/fp32_reuse").c_str(),
                                     [s](benchmark::State& st) { bm_encode<float>(st, s, true); }));
    sizes(benchmark::RegisterBenchmark(("decode/" + s).c_str(),
                                       [s](benchmark::State& st) { bm_decode<double>(st, s); }));
    sizes(benchmark::RegisterBenchmark(("decode/" + s + "/fp32").c_str(),
                                       [s](benchmark::State& st) { bm_decode<float>(st, s); }));
  }
  return 0;
}

const int kRegistered = register_all();

}  // namespace
