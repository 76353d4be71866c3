#include "dcopt/compress/topk.hpp"

#include <algorithm>
#include <bit>
#include <numeric>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/sparse_support.hpp"
#include "dcopt/compress/sparsity_level.hpp"
#include "dcopt/compress/thread_scratch.hpp"

namespace dcopt {
namespace {

// The bit pattern of |v|: for non-negative doubles the integer order equals the numeric order
// (NaNs sort above +inf, so the selection is total and deterministic even for them). A float is
// widened first (exactly), so float and double inputs with the same values select the same
// support.
template <class T>
inline std::uint64_t magnitude_key(T v) {
  return std::bit_cast<std::uint64_t>(static_cast<double>(v)) & 0x7FFF'FFFF'FFFF'FFFFull;
}

struct Candidate {
  std::uint64_t key;
  std::uint32_t index;
};

// TopK's order: larger magnitude first, then lower index.
inline bool ranks_before(const Candidate& a, const Candidate& b) {
  return a.key > b.key || (a.key == b.key && a.index < b.index);
}

// Per-thread buffers of one selection (thread_scratch.hpp): reused across calls, so a
// steady-state encode allocates nothing.
struct TopKScratch {
  std::vector<std::uint32_t> hist;
  std::vector<Candidate> cand;
  std::vector<std::uint32_t> sure;
  std::vector<std::uint32_t> rest;
  std::vector<std::uint32_t> out;
};

// The m best of `cand` (m <= size), their indices ascending, into `out`.
void best_indices(std::vector<Candidate>& cand, std::size_t m, std::vector<std::uint32_t>& out) {
  if (m < cand.size()) {
    std::nth_element(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(m), cand.end(),
                     ranks_before);
  }
  out.resize(m);
  for (std::size_t i = 0; i < m; ++i) out[i] = cand[i].index;
  std::sort(out.begin(), out.end());
}

// Below this size a direct nth_element over all entries is cheaper than zeroing and scanning the
// histogram.
constexpr std::size_t radix_min_d = std::size_t{1} << 15;
// Buckets are the top 16 bits of the key (sign bit always 0): exponent plus 4 mantissa bits,
// i.e. 16 buckets per octave, so the bucket holding the k-th largest is a small slice of x for
// any smooth distribution. 2^15 uint32 counts = 128 KiB, L2-resident.
constexpr unsigned bucket_shift = 48;
constexpr std::size_t bucket_count = std::size_t{1} << 15;

// Indices of the k largest |x_j| (ties: lower index), ascending. Requires k <= x.size() < 2^32.
// The result lives in the calling thread's scratch (valid until the next call).
template <class T>
std::span<const std::uint32_t> top_k_indices(std::span<const T> x, std::size_t k) {
  const std::size_t d = x.size();
  TopKScratch& s = thread_scratch<TopKScratch>();
  std::vector<std::uint32_t>& out = s.out;
  if (k == d) {
    out.resize(d);
    std::iota(out.begin(), out.end(), 0u);
    return out;
  }
  if (k == 0) return {};
  std::vector<Candidate>& cand = s.cand;
  if (d < radix_min_d) {
    cand.resize(d);
    for (std::size_t i = 0; i < d; ++i)
      cand[i] = {magnitude_key(x[i]), static_cast<std::uint32_t>(i)};
    best_indices(cand, k, out);
    return out;
  }
  // Pass 1: histogram. Four interleaved tables break the store-to-load dependency when
  // consecutive entries fall into the same bucket (typical: most of x lies in a few octaves).
  std::vector<std::uint32_t>& hist = s.hist;
  hist.assign(4 * bucket_count, 0);
  std::size_t i = 0;
  for (; i + 4 <= d; i += 4) {
    ++hist[0 * bucket_count + (magnitude_key(x[i]) >> bucket_shift)];
    ++hist[1 * bucket_count + (magnitude_key(x[i + 1]) >> bucket_shift)];
    ++hist[2 * bucket_count + (magnitude_key(x[i + 2]) >> bucket_shift)];
    ++hist[3 * bucket_count + (magnitude_key(x[i + 3]) >> bucket_shift)];
  }
  for (; i < d; ++i) ++hist[magnitude_key(x[i]) >> bucket_shift];
  auto count = [&](std::size_t b) {
    return std::size_t{hist[b]} + hist[bucket_count + b] + hist[2 * bucket_count + b] +
           hist[3 * bucket_count + b];
  };
  // Walk down from the largest bucket to the one holding the k-th largest key: every entry in a
  // higher bucket is kept, entries in bucket `pivot` compete for the remaining k - above slots.
  std::size_t above = 0, pivot = bucket_count - 1;
  while (above + count(pivot) < k) above += count(pivot--);  // stops at 0: count(all) = d >= k
  std::vector<std::uint32_t>& sure = s.sure;
  sure.clear();
  sure.reserve(above);
  cand.clear();
  cand.reserve(count(pivot));
  // Pass 2: collect.
  for (std::size_t j = 0; j < d; ++j) {
    const std::uint64_t key = magnitude_key(x[j]);
    const std::size_t b = key >> bucket_shift;
    if (b > pivot) {
      sure.push_back(static_cast<std::uint32_t>(j));
    } else if (b == pivot) {
      cand.push_back({key, static_cast<std::uint32_t>(j)});
    }
  }
  std::vector<std::uint32_t>& rest = s.rest;
  best_indices(cand, k - above, rest);
  out.resize(k);
  std::merge(sure.begin(), sure.end(), rest.begin(), rest.end(), out.begin());
  return out;
}

class TopK final : public CodecOf<TopK> {
 public:
  TopK(SparsityLevel level, Precision p) : level_(level), precision_(p) {}
  std::string name() const override { return "topk"; }
  std::string spec() const override {
    return "topk:" + level_.spec_text() +
           ",precision=" + std::to_string(precision_bits(precision_));
  }
  CodecId id() const override { return CodecId::topk; }
  CompressorProperties properties(std::size_t d) const override {
    const std::size_t k = level_.resolve(d, "topk");
    CompressorProperties p;
    p.unbiased = k == d;
    p.omega = k == d ? 0.0 : CompressorProperties::none;
    p.delta = k == 0 ? 1.0 : static_cast<double>(d) / static_cast<double>(k);
    p.expected_density = static_cast<double>(k);
    p.deterministic = true;
    return p;
  }
  template <class T>
  void encode_as(std::span<const T> x, Rng&, Message& out) const {
    const std::size_t k = level_.resolve(x.size(), "topk");
    encode_sparse(id(), x, top_k_indices(x, k), 1.0, precision_, out);
  }
  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng) const {
    decode_sparse_add(id(), bytes, level_.resolve(acc.size(), "topk"), precision_, scale, acc);
  }

 private:
  SparsityLevel level_;
  Precision precision_;
};

}  // namespace

CodecInfo topk_codec_info() {
  CodecInfo info;
  info.name = "topk";
  info.summary = "keep the k entries of largest magnitude (ties: lower index), indices sent";
  info.theory = "biased, contractive: delta = d/k (||C(x)-x||^2 <= (1-k/d)||x||^2), density k";
  info.wire_bits = "1 + min(k*ceil(log2 d), d) + precision*k";
  info.params = SparsityLevel::params();
  info.params.push_back(precision_param());
  info.examples = {"topk:ratio=0.1", "topk:ratio=0.3,precision=64", "topk:ratio=1", "topk:k=1"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    return std::make_shared<TopK>(SparsityLevel::parse(spec), parse_precision(spec));
  };
  return info;
}

}  // namespace dcopt
