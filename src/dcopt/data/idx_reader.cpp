#include "dcopt/data/idx_reader.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

// Largest array we agree to read: far above any image dataset, low enough that a corrupt header
// cannot make us try to allocate terabytes before noticing the file is short.
constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 34;

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

// gzread reads gzip members and, transparently, plain files, so one path serves both.
class IdxFile {
 public:
  explicit IdxFile(const std::filesystem::path& path) : where_(path.string()) {
    file_.reset(gzopen(where_.c_str(), "rb"));
    if (!file_) throw DataError("cannot open IDX file '" + where_ + "'");
  }

  /// Reads up to n bytes; returns how many were read (less only at end of data).
  std::size_t read(std::uint8_t* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
      const int got = gzread(file_.get(), out + done, chunk);
      if (got < 0) {
        int errnum = 0;
        const char* msg = gzerror(file_.get(), &errnum);
        fail(std::string("read error (") + msg + ")");
      }
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

  /// Reads exactly the header: magic and dimensions. Checks the magic's type code and rank.
  std::vector<std::uint64_t> header(std::uint8_t want_rank, const char* kind) {
    std::array<std::uint8_t, 4> magic{};
    if (read(magic.data(), 4) != 4) fail("truncated: expected a 4-byte magic number");
    if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] != want_rank) {
      char got[16];
      std::snprintf(got, sizeof got, "0x%02X%02X%02X%02X", magic[0], magic[1], magic[2], magic[3]);
      char want[16];
      std::snprintf(want, sizeof want, "0x000008%02X", want_rank);
      fail(std::string("magic number ") + got + "; expected " + want + " (" + kind +
           ", unsigned bytes)");
    }
    std::vector<std::uint64_t> dims(want_rank);
    std::uint64_t total = 1;
    for (std::uint8_t k = 0; k < want_rank; ++k) {
      std::array<std::uint8_t, 4> b{};
      if (read(b.data(), 4) != 4) {
        fail("truncated header: expected " + std::to_string(want_rank) + " 4-byte dimensions");
      }
      dims[k] = (std::uint64_t{b[0]} << 24) | (std::uint64_t{b[1]} << 16) |
                (std::uint64_t{b[2]} << 8) | std::uint64_t{b[3]};
      if (dims[k] == 0) fail("dimension " + std::to_string(k + 1) + " is 0; expected >= 1");
      total *= dims[k];
      if (total > kMaxBytes) fail("dimensions describe more than 2^34 bytes");
    }
    return dims;
  }

  /// Reads exactly n payload bytes and checks nothing follows.
  std::vector<std::uint8_t> payload(std::uint64_t n) {
    std::vector<std::uint8_t> data;
    // Grow with what is really there instead of trusting the header for the allocation.
    constexpr std::size_t kChunk = std::size_t{1} << 22;
    while (data.size() < n) {
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, n - data.size()));
      const std::size_t old = data.size();
      data.resize(old + want);
      const std::size_t got = read(data.data() + old, want);
      data.resize(old + got);
      if (got < want) {
        fail("truncated: the header promises " + std::to_string(n) + " data bytes, found " +
             std::to_string(data.size()));
      }
    }
    std::uint8_t extra = 0;
    if (read(&extra, 1) != 0) {
      fail("trailing bytes after the " + std::to_string(n) +
           " data bytes the header describes; expected end of file");
    }
    return data;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw DataError("IDX file '" + where_ + "': " + what);
  }

 private:
  std::string where_;
  std::unique_ptr<gzFile_s, GzCloser> file_;
};

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& path) {
  IdxFile f(path);
  const auto dims = f.header(3, "idx3 images");
  IdxImages out;
  out.count = dims[0];
  out.rows = dims[1];
  out.cols = dims[2];
  out.pixels = f.payload(dims[0] * dims[1] * dims[2]);
  return out;
}

std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path) {
  IdxFile f(path);
  const auto dims = f.header(1, "idx1 labels");
  return f.payload(dims[0]);
}

Dataset idx_to_dataset(const IdxImages& images, std::span<const std::uint8_t> labels,
                       const std::optional<IdxBinaryTask>& task) {
  if (labels.size() != images.count) {
    throw DataError("IDX: " + std::to_string(images.count) + " images but " +
                    std::to_string(labels.size()) + " labels; expected one label per image");
  }
  // class -> target label; NaN-free sentinel 0 means "drop the row".
  std::array<double, 256> target{};
  if (task) {
    if (task->positive.empty()) {
      throw InvalidArgument("IDX binary task: no positive class given; expected at least one");
    }
    for (std::uint8_t c : task->positive) target[c] = 1.0;
    for (std::uint8_t c : task->negative) {
      if (target[c] != 0.0) {
        throw InvalidArgument("IDX binary task: class " + std::to_string(c) +
                              " is both positive and negative");
      }
      target[c] = -1.0;
    }
    if (task->negative.empty()) {
      for (double& t : target) {
        if (t == 0.0) t = -1.0;
      }
    }
  }
  const std::size_t d = images.rows * images.cols;
  Dataset ds;
  ds.num_features = d;
  for (std::size_t i = 0; i < images.count; ++i) {
    double y = labels[i];
    if (task) {
      y = target[labels[i]];
      if (y == 0.0) continue;
    }
    const std::uint8_t* px = images.pixels.data() + i * d;
    for (std::size_t k = 0; k < d; ++k) {
      if (px[k] != 0) {
        ds.col_idx.push_back(static_cast<std::uint32_t>(k));
        ds.values.push_back(px[k] / 255.0);
      }
    }
    ds.row_ptr.push_back(ds.col_idx.size());
    ds.labels.push_back(y);
  }
  return ds;
}

Dataset read_idx_dataset(const std::filesystem::path& images_path,
                         const std::filesystem::path& labels_path,
                         const std::optional<IdxBinaryTask>& task) {
  const IdxImages images = read_idx_images(images_path);
  const std::vector<std::uint8_t> labels = read_idx_labels(labels_path);
  if (labels.size() != images.count) {
    throw DataError("IDX: '" + images_path.string() + "' holds " + std::to_string(images.count) +
                    " images but '" + labels_path.string() + "' holds " +
                    std::to_string(labels.size()) + " labels; expected one label per image");
  }
  Dataset ds = idx_to_dataset(images, labels, task);
  ds.name = images_path.filename().string();
  ds.source = images_path.string() + " + " + labels_path.string();
  return ds;
}

}  // namespace dcopt
