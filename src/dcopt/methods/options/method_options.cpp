#include "dcopt/methods/options/method_options.hpp"

#include "dcopt/compress/compression_policy.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {
CompressorPtr codec_from(const Settings& s, const std::string& key, const std::string& spec) {
  try {
    return make_compressor(spec);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(s.context() + ": " + key + " = \"" + spec + "\": " + e.what());
  }
}
}  // namespace

CompressorPtr read_codec(const Settings& s, const std::string& default_codec,
                         const std::optional<ParamLayout>& layout) {
  const std::string codec = s.string("codec", default_codec);
  if (codec.find("->") == std::string::npos) return codec_from(s, "codec", codec);
  // A per-tensor policy ("numel>2^16 -> int8"): it needs the tensors of a model.
  if (!layout) {
    throw InvalidArgument(s.context() + ": codec = '" + codec +
                          "' is a per-tensor policy, which needs a model's parameter layout "
                          "(dcopt train); here give one codec spec, e.g. 'randk:k=10'");
  }
  try {
    return CompressionPolicy::parse(codec).apply(*layout);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(s.context() + ": codec: " + e.what());
  }
}

MethodOptions read_method_options(const Settings& s, const std::string& default_codec,
                                  const std::optional<ParamLayout>& layout) {
  MethodOptions o;
  std::int64_t precision = s.integer("precision", 32, 32, 64);
  if (precision != 32 && precision != 64) {
    throw InvalidArgument(s.context() + ": precision = " + std::to_string(precision) +
                          ": valid: 32 or 64");
  }
  const std::string dense = "identity:precision=" + std::to_string(precision);
  o.codec = read_codec(s, default_codec, layout);
  o.dense = codec_from(s, "precision", dense);
  o.server = codec_from(s, "server_codec", s.string("server_codec", dense));
  o.gamma = s.optional_number("gamma", 0.0, 1e300);
  if (o.gamma && *o.gamma <= 0.0) {
    throw InvalidArgument(s.context() + ": gamma must be > 0");
  }
  o.gamma_multiplier = s.number("gamma_multiplier", 1.0, 1e-12, 1e12);
  o.context = s.context();
  return o;
}

double MethodOptions::stepsize(std::optional<double> theory) const {
  if (gamma) return *gamma;
  if (!theory) {
    throw InvalidArgument(context +
                          ": the theory stepsize needs the smoothness constants L_i, which this "
                          "problem does not provide; set `gamma` (the stepsize; `lr` for a "
                          "network's optimizer)");
  }
  return *theory * gamma_multiplier;
}

double read_probability(const Settings& s, const std::string& key, double fallback) {
  std::optional<double> p = s.optional_number(key);
  if (!p) return fallback;
  if (!(*p > 0.0 && *p <= 1.0)) {
    throw InvalidArgument(s.context() + ": " + key + " = " + Settings::to_string(*p) +
                          ": out of range; valid: 0 < " + key + " <= 1");
  }
  return *p;
}

std::size_t read_count(const Settings& s, const std::string& key, std::size_t fallback,
                       std::size_t max, const std::string& what) {
  std::optional<std::int64_t> v = s.optional_integer(key);
  if (!v) return fallback;
  if (*v < 1 || static_cast<std::uint64_t>(*v) > max) {
    throw InvalidArgument(s.context() + ": " + key + " = " + std::to_string(*v) +
                          ": out of range; valid: 1 <= " + key + " <= " + std::to_string(max) +
                          " (" + what + ")");
  }
  return static_cast<std::size_t>(*v);
}

}  // namespace dcopt
