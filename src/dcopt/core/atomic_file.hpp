#pragma once
// Writing a file so that readers see the old contents or the new ones, never a half-written
// file: the bytes go to a fresh name in the target's directory (the pid and a random part tell
// concurrent writers apart; rename is atomic only within one file system), are fsync'ed, renamed
// over the target, and the directory is synced so that the rename is durable. Mode 0666 less the
// umask, like any other output file. Checkpoints and token files are written this way.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace dcopt {

/// Replaces `target` (its directory must exist) with `bytes`. `what` names the contents in
/// errors ("the checkpoint"). std::runtime_error naming the path and the system's reason on any
/// failure; no temporary file is left behind.
void write_file_atomically(const std::filesystem::path& target, std::span<const std::uint8_t> bytes,
                           std::string_view what);
/// The same for text (a JSON result, a report): its bytes as they are.
void write_file_atomically(const std::filesystem::path& target, std::string_view text,
                           std::string_view what);

}  // namespace dcopt
