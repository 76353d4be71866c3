// Fuzz target: the checkpoint loader (experiment/checkpoint.hpp decode_checkpoint).
// Input: [mode: 1 byte][bytes: the rest].
//   mode even: the bytes are the whole file (magic, envelope, checksum: what a damaged or foreign
//              file looks like);
//   mode odd:  the bytes are the body, wrapped here in a valid envelope with the right checksum,
//              so that the fuzzer reaches the body's own checks instead of stopping at the hash.
// Promises: the only exception is DataError; an accepted checkpoint re-encodes to the same
// bytes (the format has one encoding per value: a loader that accepted two spellings would let
// a damaged file pass as another). A whole file may name another dcopt version, which
// re-encoding replaces by this one, so for it the promise is that re-encoding is stable:
// encode(decode(encode(c))) == encode(c).
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/experiment/checkpoint.hpp"
#include "fuzz_support.hpp"

namespace {

std::vector<std::uint8_t> wrap(std::span<const std::uint8_t> body) {
  constexpr std::string_view magic = "dcopt-checkpoint";
  dcopt::StateWriter w;
  w.u64("format_version", dcopt::kCheckpointFormatVersion);
  w.text("dcopt_version", DCOPT_VERSION);
  w.text("body", std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  std::vector<std::uint8_t> out(magic.begin(), magic.end());
  out.insert(out.end(), w.bytes().begin(), w.bytes().end());
  dcopt::StateWriter trailer;
  trailer.u64("fnv1a64", dcopt::fnv1a64(out));
  out.insert(out.end(), trailer.bytes().begin(), trailer.bytes().end());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dcopt::fuzz::InputReader in(data, size);
  const bool wrapped = (in.byte() & 1) != 0;
  const auto rest = in.rest();
  std::vector<std::uint8_t> file =
      wrapped ? wrap(rest) : std::vector<std::uint8_t>(rest.begin(), rest.end());
  dcopt::Checkpoint c;
  if (!dcopt::fuzz::only_throws<dcopt::DataError>(
          "decode_checkpoint", [&] { c = dcopt::decode_checkpoint(file, "<fuzz>"); })) {
    return 0;
  }
  const std::vector<std::uint8_t> again = dcopt::encode_checkpoint(c);
  if (wrapped) {
    if (again != file)
      dcopt::fuzz::broken("an accepted checkpoint does not re-encode to its bytes");
    return 0;
  }
  dcopt::Checkpoint c2;
  dcopt::fuzz::only_throws<dcopt::DataError>(
      "decode_checkpoint", [&] { c2 = dcopt::decode_checkpoint(again, "<fuzz>"); }) ||
      (dcopt::fuzz::broken("a re-encoded checkpoint is rejected"), true);
  if (dcopt::encode_checkpoint(c2) != again) dcopt::fuzz::broken("re-encoding is not stable");
  return 0;
}
