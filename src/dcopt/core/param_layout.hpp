#pragma once
// ParamLayout: which tensor of a model lives where in one flat buffer (DESIGN.md, "A layout
// travels with the buffer"). A model's parameters are views into one contiguous fp32 buffer and
// its gradients into another with the same layout; methods, codecs and communicators work on the
// flat span, and the layout lets per-tensor policies act on it: a codec per tensor (compress/
// compression_policy.hpp), matrices for PowerSGD, per-layer norms for LAMB and ScaLA.
//
// Units: offsets, sizes and numel count entries (elements of the buffer), never bytes. A layout
// does not own or reference any buffer; it is a value (copyable, comparable, serializable) that
// describes buffers of size() entries.
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dcopt {

class StateReader;
class StateWriter;

/// One tensor of a layout: the entries [offset, offset + numel()) of the flat buffer, row-major
/// with the given shape.
struct ParamTensor {
  std::string name;
  std::size_t offset = 0;
  /// Dimensions, outermost first (torch's order). Empty for a scalar (numel 1).
  std::vector<std::size_t> shape;

  /// Product of the shape (1 for a scalar). Valid (no overflow) once the tensor is in a layout.
  std::size_t numel() const;
  std::size_t rank() const { return shape.size(); }
  /// One past the last entry.
  std::size_t end() const { return offset + numel(); }
  /// Rank >= 2: a weight matrix, or a convolution kernel PowerSGD treats as one.
  bool is_matrix_like() const { return shape.size() >= 2; }
  /// The PowerSGD view of a matrix-like tensor: rows = shape[0], cols = product of the rest
  /// (a conv kernel [out, in, kh, kw] is an out x (in*kh*kw) matrix). A tensor of rank <= 1 is
  /// the column vector numel x 1.
  std::size_t rows() const;
  std::size_t cols() const;
  /// The shape as text, e.g. "[768, 3072]" ("[]" for a scalar).
  std::string shape_text() const;

  bool operator==(const ParamTensor&) const = default;
};

class ParamLayout {
 public:
  /// The empty layout (no tensors, size 0).
  ParamLayout() = default;
  /// A layout over a buffer of max(end) entries. Validates (InvalidArgument naming the tensor):
  /// names non-empty, unique and free of whitespace and control characters; every dimension
  /// >= 1; numel and end representable; tensors pairwise disjoint. Tensors may be listed in any
  /// order (the list order is the order of the tensors everywhere: views, norms, wire format) and
  /// may leave gaps (e.g. alignment padding), which covers_buffer() reports.
  explicit ParamLayout(std::vector<ParamTensor> tensors);
  /// The same over a buffer of `size` entries (>= every tensor's end; entries past the last
  /// tensor are a gap).
  ParamLayout(std::vector<ParamTensor> tensors, std::size_t size);
  /// Tensors packed one after another in the given order (offsets 0, numel_0, ...), no gaps.
  static ParamLayout packed(std::vector<std::pair<std::string, std::vector<std::size_t>>> tensors);

  /// Entries of the buffers this layout describes.
  std::size_t size() const { return size_; }
  std::size_t num_tensors() const { return tensors_.size(); }
  bool empty() const { return tensors_.empty(); }
  const std::vector<ParamTensor>& tensors() const { return tensors_; }
  const ParamTensor& tensor(std::size_t i) const { return tensors_.at(i); }
  const ParamTensor& operator[](std::size_t i) const { return tensors_[i]; }

  /// true iff every entry of [0, size()) belongs to a tensor.
  bool covers_buffer() const { return !first_gap_.has_value(); }
  /// The first range [begin, end) of entries that belong to no tensor, if any.
  const std::optional<std::pair<std::size_t, std::size_t>>& first_gap() const { return first_gap_; }

  /// Index of the tensor named `name`, if any.
  std::optional<std::size_t> find(std::string_view name) const;
  /// Index of the tensor named `name`; InvalidArgument if there is none.
  std::size_t index_of(std::string_view name) const;
  const ParamTensor& at(std::string_view name) const { return tensors_[index_of(name)]; }

  /// Tensor i's entries of a buffer of size() entries (T: float, double, or const of either).
  /// A buffer of another size is a programming error (std::invalid_argument).
  template <class T>
  std::span<T> view(std::span<T> buffer, std::size_t i) const {
    check_buffer(buffer.size());
    const ParamTensor& t = tensors_.at(i);
    return buffer.subspan(t.offset, t.numel());
  }
  template <class T>
  std::span<T> view(std::span<T> buffer, std::string_view name) const {
    return view(buffer, index_of(name));
  }

  /// out[i] = ||tensor i||_2 (out.size() == num_tensors()), each the norm of that tensor's slice
  /// only: LAMB's and ScaLA's per-layer norms, never one norm over the flat buffer. Accumulated
  /// in double in index order (vec::norm2), so a float buffer gives the norms of its double copy.
  void norms(std::span<const float> buffer, std::span<double> out) const;
  void norms(std::span<const double> buffer, std::span<double> out) const;
  /// out[i] = ||tensor i||_2^2, likewise.
  void squared_norms(std::span<const float> buffer, std::span<double> out) const;
  void squared_norms(std::span<const double> buffer, std::span<double> out) const;

  /// Serializes (fields layout.*) so that a checkpoint can verify the layout it was made with.
  void write_state(StateWriter& w) const;
  /// Reads what write_state wrote; a malformed or invalid stored layout is a DataError.
  static ParamLayout read_state(StateReader& r);

  bool operator==(const ParamLayout& other) const {
    return size_ == other.size_ && tensors_ == other.tensors_;
  }

 private:
  void validate();
  void check_buffer(std::size_t n) const {
    if (n != size_) {
      throw std::invalid_argument("buffer of " + std::to_string(n) +
                                  " entries for a parameter layout of " + std::to_string(size_));
    }
  }

  std::vector<ParamTensor> tensors_;
  std::size_t size_ = 0;
  std::optional<std::pair<std::size_t, std::size_t>> first_gap_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

/// Throws DataError unless `current` equals `stored`, naming the first difference (tensor
/// count, buffer size, or the first tensor whose name, offset or shape differs). `what` names
/// the source, e.g. "checkpoint run/ckpt-100".
void expect_same_layout(const ParamLayout& stored, const ParamLayout& current,
                        std::string_view what);

}  // namespace dcopt
