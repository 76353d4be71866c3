#include "dcopt/methods/options/codec_requirements.hpp"

#include <cmath>

#include "dcopt/core/error.hpp"

namespace dcopt {

CompressorProperties require_unbiased(const Settings& s, const Compressor& codec, std::size_t d,
                                      const std::string& method, const std::string& why) {
  CompressorProperties q = codec.properties(d);
  if (!q.unbiased || !std::isfinite(q.omega)) {
    throw InvalidArgument(s.context() + ": codec '" + codec.spec() + "' is biased; " + method +
                          " needs an unbiased codec (" + why + ")");
  }
  return q;
}

ContractiveUse require_contractive(const Settings& s, const Compressor& codec, std::size_t d,
                                   const std::string& method, bool scale_unbiased) {
  CompressorProperties q = codec.properties(d);
  if (scale_unbiased) {
    if (!q.unbiased || !std::isfinite(q.omega)) {
      throw InvalidArgument(s.context() + ": scale_unbiased = true but codec '" + codec.spec() +
                            "' is not unbiased; use it without scale_unbiased");
    }
    return {q.omega + 1.0, 1.0 / (q.omega + 1.0)};
  }
  if (!std::isfinite(q.delta) || q.delta < 1.0) {
    throw InvalidArgument(
        s.context() + ": codec '" + codec.spec() +
        "' is not contractive (no delta with E||C(x)-x||^2 <= (1-1/delta)||x||^2" +
        (q.unbiased ? ", its unbiased scaling expands" : "") + "); " + method +
        " needs a contractive codec" +
        (q.unbiased ? "; set scale_unbiased = true to use Q/(omega+1), which is contractive" : ""));
  }
  return {q.delta, 1.0};
}

}  // namespace dcopt
