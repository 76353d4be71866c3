// Throughput of identity and the sparsifying codecs (randk, randk_shared, bernoulli, topk) against
// a memcpy of the same fp32-equivalent volume. bytes_per_second counts 4*d bytes per call (the size
// of the input as fp32), so codecs and memcpy are directly comparable. Inputs are Gaussian, x in
// float64 as the codecs take it.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/rng.hpp"

namespace {

using dcopt::Message;
using dcopt::Purpose;
using dcopt::Rng;

std::vector<double> gaussian(std::size_t d) {
  Rng rng(1, Purpose::test, d);
  std::vector<double> x(d);
  for (double& v : x) v = rng.normal();
  return x;
}

void set_fp32_bytes(benchmark::State& state, std::size_t d) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(4 * d));
}

void bm_memcpy_fp32(benchmark::State& state) {
  const auto d = static_cast<std::size_t>(state.range(0));
  std::vector<float> src(d, 1.0f), dst(d);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), 4 * d);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  set_fp32_bytes(state, d);
}

void bm_encode(benchmark::State& state, const char* spec) {
  const auto d = static_cast<std::size_t>(state.range(0));
  auto codec = dcopt::make_compressor(spec);
  const auto x = gaussian(d);
  std::uint64_t round = 0;
  std::uint64_t bits = 0;
  for (auto _ : state) {
    Rng rng(2, Purpose::compressor, 0, round++);
    Message m = codec->encode(x, rng);
    bits += m.bits;
    benchmark::DoNotOptimize(m.bytes.data());
  }
  set_fp32_bytes(state, d);
  state.counters["bits_per_msg"] =
      static_cast<double>(bits) / static_cast<double>(state.iterations());
}

void bm_decode_add(benchmark::State& state, const char* spec) {
  const auto d = static_cast<std::size_t>(state.range(0));
  auto codec = dcopt::make_compressor(spec);
  const auto x = gaussian(d);
  // Bernoulli sends nothing half of the time; decode a message that carries the vector.
  Message m;
  std::uint64_t round = 0;
  do {
    Rng rng(3, Purpose::compressor, 0, round++);
    m = codec->encode(x, rng);
  } while (m.payload_bits() <= 1 && d > 0);
  std::vector<double> acc(d, 0.0);
  for (auto _ : state) {
    codec->decode_add(m.bytes, 0.5, acc, Rng(3, Purpose::compressor, 0, round - 1));
    benchmark::DoNotOptimize(acc.data());
  }
  set_fp32_bytes(state, d);
}

// randk_shared with k fixed: the encode cost should not depend on d.
void bm_randk_shared_fixed_k(benchmark::State& state) {
  const auto d = static_cast<std::size_t>(state.range(0));
  auto codec = dcopt::make_compressor("randk_shared:k=1000");
  const auto x = gaussian(d);
  std::uint64_t round = 0;
  for (auto _ : state) {
    Rng rng(4, Purpose::compressor, 0, round++);
    Message m = codec->encode(x, rng);
    benchmark::DoNotOptimize(m.bytes.data());
  }
}

}  // namespace

#define DCOPT_SIZES ->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond)

BENCHMARK(bm_memcpy_fp32) DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_encode, identity, "identity") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_encode, randk_1pct, "randk:ratio=0.01") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_encode, randk_shared_1pct, "randk_shared:ratio=0.01") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_encode, bernoulli_p0_5, "bernoulli:p=0.5") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_encode, topk_1pct, "topk:ratio=0.01") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_encode, topk_10pct, "topk:ratio=0.1") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_decode_add, identity, "identity") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_decode_add, randk_1pct, "randk:ratio=0.01") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_decode_add, randk_shared_1pct, "randk_shared:ratio=0.01") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_decode_add, bernoulli_p0_5, "bernoulli:p=0.5") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_decode_add, topk_1pct, "topk:ratio=0.01") DCOPT_SIZES;
BENCHMARK_CAPTURE(bm_decode_add, topk_10pct, "topk:ratio=0.1") DCOPT_SIZES;
BENCHMARK(bm_randk_shared_fixed_k)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMicrosecond);
