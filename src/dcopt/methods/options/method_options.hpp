#pragma once
// Settings every method understands, read once from its Settings table:
//   codec            spec of the workers' compressor (default depends on the method)
//   server_codec     spec of what the server broadcasts with (default: identity at `precision`)
//   precision        32 or 64: bits per value of the dense vectors that travel uncompressed
//                    (full gradients, F(w), broadcasts); default 32 as in the papers
//   gamma            stepsize; overrides the theory value
//   gamma_multiplier multiplies the theory stepsize (default 1; ignored when gamma is given)
#include <limits>
#include <optional>
#include <string>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/param_layout.hpp"
#include "dcopt/core/settings.hpp"

namespace dcopt {

struct MethodOptions {
  CompressorPtr codec;
  CompressorPtr dense;   ///< identity at `precision`: uncompressed vectors
  CompressorPtr server;  ///< the server's broadcast codec
  std::optional<double> gamma;
  double gamma_multiplier = 1.0;

  /// The settings' context ("method 2 (marina)"), for error messages.
  std::string context;

  /// The stepsize to use: `gamma` if given, else theory * gamma_multiplier. A theory value that
  /// is unavailable (the problem declares no smoothness constants) with no `gamma` given is an
  /// InvalidArgument that names the key to set.
  double stepsize(std::optional<double> theory) const;
};

/// A theory value for a parameters() map: NaN (null in summary.json) when unavailable.
inline double unknown_if_none(std::optional<double> v) {
  return v ? *v : std::numeric_limits<double>::quiet_NaN();
}

/// The codec of key `codec` (default `default_codec`): a registry spec, or with a `layout` (a
/// network's) a per-tensor policy (compress/compression_policy.hpp, e.g. "numel>2^16 -> int8"),
/// whose LayeredCompressor over the layout is the codec. InvalidArgument naming the key.
CompressorPtr read_codec(const Settings& s, const std::string& default_codec,
                         const std::optional<ParamLayout>& layout = std::nullopt);

/// Reads the common settings; `default_codec` is used when `codec` is absent. With a `layout`
/// (a network's), `codec` may also be a per-tensor policy (compress/compression_policy.hpp,
/// e.g. "numel>2^16 -> int8"): the codec is then the policy's LayeredCompressor over it.
MethodOptions read_method_options(const Settings& s, const std::string& default_codec,
                                  const std::optional<ParamLayout>& layout = std::nullopt);

/// A probability in (0, 1] (p of MARINA, VR-DIANA's refresh probability): InvalidArgument
/// naming the key and "valid: 0 < key <= 1" otherwise.
double read_probability(const Settings& s, const std::string& key, double fallback);

/// A minibatch / client count in [1, max]; the message names `what` max is ("local samples m").
std::size_t read_count(const Settings& s, const std::string& key, std::size_t fallback,
                       std::size_t max, const std::string& what);

}  // namespace dcopt
