#include "dcopt/compress/topk.hpp"

#include <algorithm>
#include <bit>
#include <numeric>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/sparse_support.hpp"
#include "dcopt/compress/sparsity_level.hpp"
#include "dcopt/compress/thread_scratch.hpp"

namespace dcopt {
namespace {

// TopK's order: larger magnitude first, then lower index. `key` is a magnitude key (below),
// `value` the entry itself, carried along so that the message is written without reading x
// again at k scattered places (which cost a quarter of the encode at d = 10^7).
template <class T>
struct Candidate {
  std::uint64_t key;
  std::uint32_t index;
  T value;
};

template <class T>
inline bool ranks_before(const Candidate<T>& a, const Candidate<T>& b) {
  return a.key > b.key || (a.key == b.key && a.index < b.index);
}

// Per-thread buffers of one selection (thread_scratch.hpp): reused across calls, so a
// steady-state encode allocates nothing.
template <class T>
struct TopKScratch {
  std::vector<std::uint32_t> hist;
  std::vector<Candidate<T>> cand;
  std::vector<std::uint32_t> sure;
  std::vector<T> sure_values;
  std::vector<std::uint32_t> out;
  std::vector<T> out_values;
};

// The chosen entries: indices ascending, values[i] = x[indices[i]]. Valid until the next
// selection on this thread.
template <class T>
struct Selection {
  std::span<const std::uint32_t> indices;
  std::span<const T> values;
};

// The m best of `cand` (1 <= m <= size) into cand[0, m), ordered by index ascending.
template <class T>
void best_by_index(std::vector<Candidate<T>>& cand, std::size_t m) {
  if (m < cand.size()) {
    std::nth_element(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(m), cand.end(),
                     ranks_before<T>);
  }
  std::sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(m),
            [](const Candidate<T>& a, const Candidate<T>& b) { return a.index < b.index; });
}

// Below this size a direct nth_element over all entries is cheaper than zeroing and scanning the
// histogram.
constexpr std::size_t radix_min_d = std::size_t{1} << 15;
// 2^15 buckets of the key's top bits; 2^15 uint32 counts = 128 KiB, L2-resident.
constexpr std::size_t bucket_count = std::size_t{1} << 15;

// Magnitude keys. Any key whose order is that of |x_j| (as doubles) and that is equal exactly
// when the magnitudes are gives the same selection, and any bucket that is a non-decreasing
// function of the key gives the same histogram walk result; only the number of candidates
// changes.
//
// DoubleKeys: the bit pattern of |v| widened to double (exact); for non-negative doubles the
// integer order equals the numeric order, NaNs sort above +inf, so the selection is total and
// deterministic even for them, and float and double inputs with the same values select the same
// support. Buckets are the top 16 bits (sign bit always 0): exponent plus 4 mantissa bits, 16
// buckets per octave.
struct DoubleKeys {
  static constexpr unsigned shift = 48;
  template <class T>
  static std::uint64_t key(T v) {
    return std::bit_cast<std::uint64_t>(static_cast<double>(v)) & 0x7FFF'FFFF'FFFF'FFFFull;
  }
};

// FloatKeys: the float's own bit pattern of |v|, whose order is that of the widened doubles for
// every non-NaN float (widening is exact and increasing). Not for NaN, whose widening sets the
// quiet bit and can reorder NaNs: inputs with a NaN take DoubleKeys (found by the histogram,
// whose buckets from 0x7F80 up hold inf and NaN). Buckets: the top 15 bits of |v| (exponent
// plus 7 mantissa bits, 128 buckets per octave), computed without widening.
struct FloatKeys {
  static constexpr unsigned shift = 16;
  static constexpr std::size_t first_nonfinite_bucket = 0x7F80;
  static std::uint64_t key(float v) { return std::bit_cast<std::uint32_t>(v) & 0x7FFF'FFFFu; }
};

// The radix selection of k entries (1 <= k < d, d >= radix_min_d, d < 2^32) with keys `Keys`:
// pass 1 a histogram of the buckets, then the bucket `pivot` holding the k-th largest key, pass 2
// collects the entries above it (all kept) and in it (candidates for the remaining slots).
// Returns false, having selected nothing, if Keys cannot order this input (FloatKeys and a NaN).
template <class Keys, class T>
bool radix_select(std::span<const T> x, std::size_t k, TopKScratch<T>& s) {
  const std::size_t d = x.size();
  // Pass 1. Four interleaved tables break the store-to-load dependency when consecutive entries
  // fall into the same bucket (typical: most of x lies in a few octaves).
  std::vector<std::uint32_t>& hist = s.hist;
  hist.assign(4 * bucket_count, 0);
  std::size_t i = 0;
  for (; i + 4 <= d; i += 4) {
    ++hist[0 * bucket_count + (Keys::key(x[i]) >> Keys::shift)];
    ++hist[1 * bucket_count + (Keys::key(x[i + 1]) >> Keys::shift)];
    ++hist[2 * bucket_count + (Keys::key(x[i + 2]) >> Keys::shift)];
    ++hist[3 * bucket_count + (Keys::key(x[i + 3]) >> Keys::shift)];
  }
  for (; i < d; ++i) ++hist[Keys::key(x[i]) >> Keys::shift];
  auto count = [&](std::size_t b) {
    return std::size_t{hist[b]} + hist[bucket_count + b] + hist[2 * bucket_count + b] +
           hist[3 * bucket_count + b];
  };
  if constexpr (std::is_same_v<Keys, FloatKeys>) {
    for (std::size_t b = FloatKeys::first_nonfinite_bucket; b < bucket_count; ++b) {
      if (count(b) != 0) return false;
    }
  }
  // Walk down from the largest bucket to the one holding the k-th largest key: every entry in a
  // higher bucket is kept, entries in bucket `pivot` compete for the remaining k - above slots.
  std::size_t above = 0, pivot = bucket_count - 1;
  while (above + count(pivot) < k) above += count(pivot--);  // stops at 0: count(all) = d >= k
  std::vector<std::uint32_t>& sure = s.sure;
  std::vector<T>& sure_values = s.sure_values;
  sure.clear();
  sure.reserve(above);
  sure_values.clear();
  sure_values.reserve(above);
  std::vector<Candidate<T>>& cand = s.cand;
  cand.clear();
  cand.reserve(count(pivot));
  // Pass 2: collect the entries whose key is at least the pivot bucket's smallest.
  const std::uint64_t lowest = std::uint64_t{pivot} << Keys::shift;
  auto take = [&](std::size_t j) {
    const std::uint64_t key = Keys::key(x[j]);
    if (key < lowest) return;
    if ((key >> Keys::shift) > pivot) {
      sure.push_back(static_cast<std::uint32_t>(j));
      sure_values.push_back(x[j]);
    } else {
      cand.push_back({key, static_cast<std::uint32_t>(j), x[j]});
    }
  };
  std::size_t j = 0;
#if defined(__SSE2__)
  if constexpr (std::is_same_v<Keys, FloatKeys>) {
    // Sixteen floats per test: about 1 entry in 100 is taken, so most groups are skipped by one
    // movemask. |v|'s pattern fits a signed int32, so the signed compare orders it.
    const __m128i abs_mask = _mm_set1_epi32(0x7FFF'FFFF);
    const __m128i below = _mm_set1_epi32(static_cast<std::int32_t>(lowest) - 1);
    for (; j + 16 <= d; j += 16) {
      const auto* p = reinterpret_cast<const __m128i*>(x.data() + j);
      const __m128i a0 = _mm_and_si128(_mm_loadu_si128(p), abs_mask);
      const __m128i a1 = _mm_and_si128(_mm_loadu_si128(p + 1), abs_mask);
      const __m128i a2 = _mm_and_si128(_mm_loadu_si128(p + 2), abs_mask);
      const __m128i a3 = _mm_and_si128(_mm_loadu_si128(p + 3), abs_mask);
      const __m128i hit =
          _mm_or_si128(_mm_or_si128(_mm_cmpgt_epi32(a0, below), _mm_cmpgt_epi32(a1, below)),
                       _mm_or_si128(_mm_cmpgt_epi32(a2, below), _mm_cmpgt_epi32(a3, below)));
      if (_mm_movemask_epi8(hit) == 0) continue;
      for (std::size_t q = j; q < j + 16; ++q) take(q);
    }
  }
#endif
  for (; j < d; ++j) take(j);
  const std::size_t m = k - above;
  best_by_index(cand, m);
  // Merge the kept entries and the candidates' winners by index.
  std::vector<std::uint32_t>& out = s.out;
  std::vector<T>& out_values = s.out_values;
  out.resize(k);
  out_values.resize(k);
  std::size_t a = 0, c = 0;
  for (std::size_t o = 0; o < k; ++o) {
    if (c == m || (a < above && sure[a] < cand[c].index)) {
      out[o] = sure[a];
      out_values[o] = sure_values[a++];
    } else {
      out[o] = cand[c].index;
      out_values[o] = cand[c++].value;
    }
  }
  return true;
}

// The k largest |x_j| (ties: lower index), indices ascending. Requires k <= x.size() < 2^32.
// The result lives in the calling thread's scratch (valid until the next call).
template <class T>
Selection<T> top_k(std::span<const T> x, std::size_t k) {
  const std::size_t d = x.size();
  TopKScratch<T>& s = thread_scratch<TopKScratch<T>>();
  std::vector<std::uint32_t>& out = s.out;
  std::vector<T>& out_values = s.out_values;
  bool done = false;
  if (k == d) {
    out.resize(d);
    std::iota(out.begin(), out.end(), 0u);
    out_values.assign(x.begin(), x.end());
    done = true;
  } else if (k == 0) {
    out.clear();
    out_values.clear();
    done = true;
  } else if (d >= radix_min_d) {
    if constexpr (std::is_same_v<T, float>) done = radix_select<FloatKeys>(x, k, s);
    if (!done) done = radix_select<DoubleKeys>(x, k, s);
  }
  if (!done) {
    std::vector<Candidate<T>>& cand = s.cand;
    cand.resize(d);
    for (std::size_t i = 0; i < d; ++i) {
      cand[i] = {DoubleKeys::key(x[i]), static_cast<std::uint32_t>(i), x[i]};
    }
    best_by_index(cand, k);
    out.resize(k);
    out_values.resize(k);
    for (std::size_t i = 0; i < k; ++i) {
      out[i] = cand[i].index;
      out_values[i] = cand[i].value;
    }
  }
  return {out, out_values};
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
    const Selection<T> chosen = top_k(x, k);
    encode_sparse_values(id(), x.size(), chosen.indices, chosen.values, 1.0, precision_, out);
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
