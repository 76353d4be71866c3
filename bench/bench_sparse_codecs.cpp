// Throughput of identity and the sparsifying codecs (randk, randk_shared, bernoulli, topk) against
// a memcpy of the same fp32-equivalent volume. bytes_per_second counts 4*d bytes per call (the size
// of the input as fp32) for every case, fp64 or fp32 input, so codecs, input types and memcpy are
// directly comparable (a rate ratio is a time ratio). Inputs are Gaussian.
//
// Names: bm_encode/<codec> and bm_decode_add/<codec> take fp64 input / accumulate into fp64 and
// encode into a fresh Message per call (the convenience encode(x, rng)); the suffix /fp32 is the
// same with fp32 input or accumulator; /fp64_reuse and /fp32_reuse encode into one Message
// reused across calls (encode(x, rng, out): no allocation in steady state).
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
  Rng rng(1, Purpose::test, d);
  std::vector<T> x(d);
  for (T& v : x) v = static_cast<T>(rng.normal());
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
      bits += reused.bits;
      benchmark::DoNotOptimize(reused.bytes.data());
    } else {
      Message m = codec->encode(xs, rng);
      bits += m.bits;
      benchmark::DoNotOptimize(m.bytes.data());
    }
  }
  set_fp32_bytes(state, d);
  state.counters["bits_per_msg"] =
      static_cast<double>(bits) / static_cast<double>(state.iterations());
}

template <class T>
void bm_decode_add(benchmark::State& state, const std::string& spec) {
  const auto d = static_cast<std::size_t>(state.range(0));
  auto codec = dcopt::make_compressor(spec);
  const auto x = gaussian<double>(d);
  // Bernoulli sends nothing half of the time; decode a message that carries the vector.
  Message m;
  std::uint64_t round = 0;
  do {
    Rng rng(3, Purpose::compressor, 0, round++);
    m = codec->encode(x, rng);
  } while (m.payload_bits() <= 1 && d > 0);
  std::vector<T> acc(d, T{0});
  for (auto _ : state) {
    codec->decode_add(m.bytes, 0.5, std::span<T>(acc), Rng(3, Purpose::compressor, 0, round - 1));
    benchmark::DoNotOptimize(acc.data());
  }
  set_fp32_bytes(state, d);
}

// randk_shared with k fixed: the encode cost should not depend on d.
void bm_randk_shared_fixed_k(benchmark::State& state) {
  const auto d = static_cast<std::size_t>(state.range(0));
  auto codec = dcopt::make_compressor("randk_shared:k=1000");
  const auto x = gaussian<double>(d);
  std::uint64_t round = 0;
  for (auto _ : state) {
    Rng rng(4, Purpose::compressor, 0, round++);
    Message m = codec->encode(x, rng);
    benchmark::DoNotOptimize(m.bytes.data());
  }
}

struct Case {
  const char* name;
  const char* spec;
};
constexpr Case kCases[] = {{"identity", "identity"},
                           {"randk_1pct", "randk:ratio=0.01"},
                           {"randk_shared_1pct", "randk_shared:ratio=0.01"},
                           {"bernoulli_p0_5", "bernoulli:p=0.5"},
                           {"topk_1pct", "topk:ratio=0.01"},
                           {"topk_10pct", "topk:ratio=0.1"}};

benchmark::internal::Benchmark* sizes(benchmark::internal::Benchmark* b) {
  return b->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);
}

int register_all() {
  sizes(benchmark::RegisterBenchmark("bm_memcpy_fp32", bm_memcpy_fp32));
  // Encodes first, then decodes (the order of the table in docs/PERFORMANCE.md).
  for (const Case& c : kCases) {
    const std::string name = std::string("bm_encode/") + c.name, spec = c.spec;
    sizes(benchmark::RegisterBenchmark(
        name.c_str(), [spec](benchmark::State& st) { bm_encode<double>(st, spec, false); }));
    sizes(benchmark::RegisterBenchmark((name + "/fp32").c_str(), [spec](benchmark::State& st) {
      bm_encode<float>(st, spec, false);
    }));
    sizes(benchmark::RegisterBenchmark(
        (name + "/fp64_reuse").c_str(),
        [spec](benchmark::State& st) { bm_encode<double>(st, spec, true); }));
    sizes(benchmark::RegisterBenchmark(
        (name + "/fp32_reuse").c_str(),
        [spec](benchmark::State& st) { bm_encode<float>(st, spec, true); }));
  }
  for (const Case& c : kCases) {
    const std::string name = std::string("bm_decode_add/") + c.name, spec = c.spec;
    sizes(benchmark::RegisterBenchmark(
        name.c_str(), [spec](benchmark::State& st) { bm_decode_add<double>(st, spec); }));
    sizes(benchmark::RegisterBenchmark((name + "/fp32").c_str(), [spec](benchmark::State& st) {
      bm_decode_add<float>(st, spec);
    }));
  }
  benchmark::RegisterBenchmark("bm_randk_shared_fixed_k", bm_randk_shared_fixed_k)
      ->Arg(100'000)
      ->Arg(1'000'000)
      ->Arg(10'000'000)
      ->Unit(benchmark::kMicrosecond);
  return 0;
}

const int kRegistered = register_all();

}  // namespace
