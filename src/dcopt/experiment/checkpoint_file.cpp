#include "dcopt/experiment/checkpoint_file.hpp"

#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "dcopt/core/atomic_file.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace fs = std::filesystem;
fs::path checkpoint_file(const fs::path& dir) { return dir / "checkpoint.bin"; }

fs::path default_checkpoint_dir(const fs::path& out) {
  fs::path p = out;
  if (!p.has_filename()) p = p.parent_path();  // "runs/x/" names runs/x
  p += ".checkpoint";
  return p;
}

void write_checkpoint_file(const fs::path& dir, std::span<const std::uint8_t> bytes) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error(dir.string() +
                             ": cannot create the checkpoint directory: " + ec.message());
  write_file_atomically(checkpoint_file(dir), bytes, "the checkpoint");
}

std::vector<std::uint8_t> read_checkpoint_file(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    throw InvalidArgument("--resume " + dir.string() +
                          ": no such directory; give the checkpoint directory a run wrote with "
                          "--checkpoint-every or --halt-after (default <out>.checkpoint)");
  }
  if (!fs::is_directory(dir, ec)) {
    throw InvalidArgument("--resume " + dir.string() +
                          ": not a directory; give the checkpoint directory (it holds "
                          "checkpoint.bin), not a file");
  }
  const fs::path file = checkpoint_file(dir);
  if (!fs::exists(file, ec)) {
    throw InvalidArgument(file.string() +
                          ": no checkpoint in this directory (a run writes checkpoint.bin "
                          "after its first --checkpoint-every round; a finished run removes it)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(file.string() + ": cannot read the checkpoint");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(file.string() + ": reading the checkpoint failed");
  return bytes;
}

void remove_checkpoint(const fs::path& dir) noexcept {
  std::error_code ec;
  fs::remove(checkpoint_file(dir), ec);
  // Temporary files of a process killed while writing (nobody else names files so).
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind(".checkpoint.bin.tmp-", 0) == 0) {
      stale.push_back(it->path());
    }
  }
  for (const fs::path& p : stale) fs::remove(p, ec);
  fs::remove(dir, ec);  // only succeeds if empty
}

}  // namespace dcopt
