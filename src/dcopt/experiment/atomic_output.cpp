#include "dcopt/experiment/atomic_output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace fs = std::filesystem;
namespace {
// "<dir>/.<name><suffix>XXXXXX" for mkdtemp. Built by appending: GCC 12 warns falsely
// (-Wrestrict) on "." + string + "...".
std::string hidden_template(const fs::path& destination, const char* suffix) {
  std::string name = ".";
  name += destination.filename().string();
  name += suffix;
  return (fs::absolute(destination).parent_path() / name).string();
}
}  // namespace

AtomicOutputDir::AtomicOutputDir(fs::path destination) : destination_(std::move(destination)) {
  if (destination_.empty()) throw InvalidArgument("--out: empty output directory");
  if (!destination_.has_filename()) destination_ = destination_.parent_path();
  std::error_code ec;
  if (fs::exists(destination_, ec) && !fs::is_directory(destination_, ec)) {
    throw InvalidArgument(destination_.string() + ": exists and is not a directory");
  }
}

AtomicOutputDir::~AtomicOutputDir() {
  if (!committed_) discard();
}

const fs::path& AtomicOutputDir::staging() {
  if (!staging_.empty()) return staging_;
  fs::path parent = fs::absolute(destination_).parent_path();
  // Remember which parents we create, so that a failed run can remove them again.
  std::vector<fs::path> missing;
  for (fs::path p = parent; !p.empty() && !fs::exists(p); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  fs::create_directories(parent);
  created_parents_.assign(missing.rbegin(), missing.rend());
  std::string tmpl = hidden_template(destination_, ".tmp-XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error(tmpl +
                             ": cannot create a temporary directory: " + std::strerror(errno));
  }
  staging_ = tmpl;
  return staging_;
}

void AtomicOutputDir::commit() {
  staging();
  std::error_code ec;
  fs::path old;
  if (fs::exists(destination_, ec)) {
    // rename() cannot replace a non-empty directory: move the old one aside first.
    std::string tmpl = hidden_template(destination_, ".old-XXXXXX");
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error(tmpl + ": cannot create a temporary name: " + std::strerror(errno));
    }
    old = tmpl;
    fs::rename(destination_, old / "previous");
  }
  fs::rename(staging_, destination_);
  committed_ = true;
  if (!old.empty()) fs::remove_all(old, ec);
}

void AtomicOutputDir::discard() noexcept {
  std::error_code ec;
  if (!staging_.empty()) fs::remove_all(staging_, ec);
  for (auto it = created_parents_.rbegin(); it != created_parents_.rend(); ++it) {
    fs::remove(*it, ec);  // only succeeds if empty: never removes anything else
  }
}

}  // namespace dcopt
