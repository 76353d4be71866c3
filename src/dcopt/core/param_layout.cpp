#include "dcopt/core/param_layout.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include "dcopt/core/error.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {
namespace {

constexpr std::size_t kMaxSize = std::numeric_limits<std::size_t>::max();
// A stored layout with more dimensions than this is corrupt (torch allows 64).
constexpr std::uint64_t kMaxStoredRank = 64;

std::string range_text(std::size_t begin, std::size_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
}

std::string describe(const ParamTensor& t) {
  return "'" + t.name + "' " + t.shape_text() + " at offset " + std::to_string(t.offset);
}

template <class T>
void norms_impl(const ParamLayout& layout, std::span<const T> buffer, std::span<double> out,
                bool squared) {
  if (out.size() != layout.num_tensors()) {
    throw std::invalid_argument("per-tensor norms: " + std::to_string(out.size()) +
                                " outputs for " + std::to_string(layout.num_tensors()) +
                                " tensors");
  }
  for (std::size_t i = 0; i < layout.num_tensors(); ++i) {
    const std::span<const T> v = layout.view(buffer, i);
    out[i] = squared ? vec::norm2_sq(v) : vec::norm2(v);
  }
}

}  // namespace

std::size_t ParamTensor::numel() const {
  std::size_t n = 1;
  for (std::size_t s : shape) n *= s;
  return n;
}

std::size_t ParamTensor::rows() const { return is_matrix_like() ? shape[0] : numel(); }

std::size_t ParamTensor::cols() const { return is_matrix_like() ? numel() / shape[0] : 1; }

std::string ParamTensor::shape_text() const {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

ParamLayout::ParamLayout(std::vector<ParamTensor> tensors) : tensors_(std::move(tensors)) {
  validate();
}

ParamLayout::ParamLayout(std::vector<ParamTensor> tensors, std::size_t size)
    : tensors_(std::move(tensors)) {
  validate();
  for (const ParamTensor& t : tensors_) {
    if (t.end() > size) {
      throw InvalidArgument("parameter layout: tensor " + describe(t) + " occupies entries " +
                            range_text(t.offset, t.end()) + ", past the buffer's " +
                            std::to_string(size) + " entries");
    }
  }
  if (size > size_) {
    // Entries past the last tensor are a gap too (unless an inner gap comes first).
    if (!first_gap_) first_gap_ = std::pair{size_, size};
    size_ = size;
  }
}

ParamLayout ParamLayout::packed(
    std::vector<std::pair<std::string, std::vector<std::size_t>>> tensors) {
  std::vector<ParamTensor> list;
  list.reserve(tensors.size());
  std::size_t offset = 0;
  for (auto& [name, shape] : tensors) {
    ParamTensor t{std::move(name), offset, std::move(shape)};
    // Overflow is diagnosed by validate(); here only avoid wrapping the running offset.
    std::size_t n = 1;
    bool overflow = false;
    for (std::size_t s : t.shape) {
      if (s != 0 && n > kMaxSize / s) overflow = true;
      n *= s;
    }
    offset = (overflow || n > kMaxSize - offset) ? kMaxSize : offset + n;
    list.push_back(std::move(t));
  }
  return ParamLayout(std::move(list));
}

void ParamLayout::validate() {
  index_.clear();
  for (std::size_t i = 0; i < tensors_.size(); ++i) {
    const ParamTensor& t = tensors_[i];
    const std::string where = "parameter layout: tensor " + std::to_string(i);
    if (t.name.empty()) throw InvalidArgument(where + " has an empty name");
    for (char c : t.name) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7F) {
        throw InvalidArgument(where + " '" + t.name +
                              "': names may not contain whitespace or control characters");
      }
    }
    std::size_t n = 1;
    for (std::size_t s : t.shape) {
      if (s == 0) {
        throw InvalidArgument(where + " " + describe(t) +
                              " has a zero dimension; every dimension must be >= 1");
      }
      if (n > kMaxSize / s) {
        throw InvalidArgument(where + " " + describe(t) + ": its number of entries overflows");
      }
      n *= s;
    }
    if (n > kMaxSize - t.offset) {
      throw InvalidArgument(where + " " + describe(t) + ": offset + size overflows");
    }
    if (!index_.emplace(t.name, i).second) {
      throw InvalidArgument(where + ": the name '" + t.name + "' is already used by tensor " +
                            std::to_string(index_.find(t.name)->second));
    }
  }
  // Disjointness and coverage over the tensors sorted by offset.
  std::vector<std::size_t> order(tensors_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return tensors_[a].offset < tensors_[b].offset ||
           (tensors_[a].offset == tensors_[b].offset && a < b);
  });
  first_gap_.reset();
  std::size_t covered = 0;  // end of the tensors seen so far
  const ParamTensor* last = nullptr;
  for (std::size_t i : order) {
    const ParamTensor& t = tensors_[i];
    if (last != nullptr && t.offset < covered) {
      throw InvalidArgument("parameter layout: tensor " + describe(t) + " (entries " +
                            range_text(t.offset, t.end()) + ") overlaps tensor " + describe(*last) +
                            " (entries " + range_text(last->offset, last->end()) + ")");
    }
    if (t.offset > covered && !first_gap_) first_gap_ = std::pair{covered, t.offset};
    covered = t.end();
    last = &t;
  }
  size_ = covered;
}

std::optional<std::size_t> ParamLayout::find(std::string_view name) const {
  auto it = index_.find(name);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::size_t ParamLayout::index_of(std::string_view name) const {
  auto it = index_.find(name);
  if (it == index_.end()) {
    throw InvalidArgument("parameter layout has no tensor named '" + std::string(name) + "' (" +
                          std::to_string(tensors_.size()) + " tensors)");
  }
  return it->second;
}

void ParamLayout::norms(std::span<const float> buffer, std::span<double> out) const {
  norms_impl(*this, buffer, out, false);
}
void ParamLayout::norms(std::span<const double> buffer, std::span<double> out) const {
  norms_impl(*this, buffer, out, false);
}
void ParamLayout::squared_norms(std::span<const float> buffer, std::span<double> out) const {
  norms_impl(*this, buffer, out, true);
}
void ParamLayout::squared_norms(std::span<const double> buffer, std::span<double> out) const {
  norms_impl(*this, buffer, out, true);
}

void ParamLayout::write_state(StateWriter& w) const {
  w.u64("layout.tensors", tensors_.size());
  w.u64("layout.size", size_);
  for (const ParamTensor& t : tensors_) {
    w.text("layout.name", t.name);
    w.u64("layout.offset", t.offset);
    w.u64("layout.rank", t.shape.size());
    for (std::size_t s : t.shape) w.u64("layout.dim", s);
  }
}

ParamLayout ParamLayout::read_state(StateReader& r) {
  const std::uint64_t n = r.u64("layout.tensors");
  const std::uint64_t size = r.u64("layout.size");
  // No reservation from the stored count: a corrupt count fails at the first missing field.
  std::vector<ParamTensor> tensors;
  for (std::uint64_t i = 0; i < n; ++i) {
    ParamTensor t;
    t.name = r.text("layout.name", 1 << 16);
    t.offset = static_cast<std::size_t>(r.u64("layout.offset"));
    const std::uint64_t rank = r.u64("layout.rank");
    if (rank > kMaxStoredRank) {
      throw DataError("stored parameter layout: tensor '" + t.name + "' has rank " +
                      std::to_string(rank) + " (at most " + std::to_string(kMaxStoredRank) + ")");
    }
    for (std::uint64_t k = 0; k < rank; ++k) {
      t.shape.push_back(static_cast<std::size_t>(r.u64("layout.dim")));
    }
    tensors.push_back(std::move(t));
  }
  try {
    return ParamLayout(std::move(tensors), static_cast<std::size_t>(size));
  } catch (const InvalidArgument& e) {
    throw DataError(std::string("stored parameter layout is invalid: ") + e.what());
  }
}

void expect_same_layout(const ParamLayout& stored, const ParamLayout& current,
                        std::string_view what) {
  const std::string prefix =
      std::string(what) + ": the parameter layout differs from the current one: ";
  if (stored.num_tensors() != current.num_tensors()) {
    throw DataError(prefix + std::to_string(stored.num_tensors()) + " tensors stored, " +
                    std::to_string(current.num_tensors()) + " now");
  }
  for (std::size_t i = 0; i < stored.num_tensors(); ++i) {
    if (!(stored[i] == current[i])) {
      throw DataError(prefix + "tensor " + std::to_string(i) + " is " + describe(stored[i]) +
                      " stored but " + describe(current[i]) + " now");
    }
  }
  if (stored.size() != current.size()) {
    throw DataError(prefix + "buffer of " + std::to_string(stored.size()) + " entries stored, " +
                    std::to_string(current.size()) + " now");
  }
}

}  // namespace dcopt
