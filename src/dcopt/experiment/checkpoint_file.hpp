#pragma once
// Where checkpoints live and how they are written: one file, <dir>/checkpoint.bin, replaced
// atomically (written to a temporary file in the same directory, fsync'ed, renamed over the old
// one, the directory fsync'ed), so that a run killed at any moment leaves either the previous
// checkpoint or the new one, never a partial file.
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace dcopt {

/// <dir>/checkpoint.bin
std::filesystem::path checkpoint_file(const std::filesystem::path& dir);

/// The default checkpoint directory of an output directory: "<out>.checkpoint" next to it.
std::filesystem::path default_checkpoint_dir(const std::filesystem::path& out);

/// Creates `dir` (and parents) if needed and atomically replaces its checkpoint file with
/// `bytes`. std::runtime_error naming the file on any I/O failure (the old file is kept then).
void write_checkpoint_file(const std::filesystem::path& dir, std::span<const std::uint8_t> bytes);

/// The checkpoint file's bytes. InvalidArgument if `dir` is missing, not a directory, or holds
/// no checkpoint file (the message says what --resume expects); DataError if it cannot be read.
std::vector<std::uint8_t> read_checkpoint_file(const std::filesystem::path& dir);

/// Removes the checkpoint file, temporary files a killed writer left, and then `dir` if it is
/// empty (a finished run's checkpoint is of no further use). Never throws; leaves anything else
/// in `dir` alone.
void remove_checkpoint(const std::filesystem::path& dir) noexcept;

}  // namespace dcopt
