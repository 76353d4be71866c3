#include "dcopt/methods/options/dense_method_options.hpp"

#include "dcopt/core/error.hpp"

namespace dcopt {

MethodOptions read_dense_method_options(const Settings& s, const std::string& method,
                                        const std::string& compressed_variant) {
  if (s.has("codec")) {
    s.mark_used("codec");
    throw InvalidArgument(s.context() + ": codec: " + method +
                          " sends uncompressed vectors and has no codec setting; use " +
                          compressed_variant +
                          " for a compressed variant (valid here: "
                          "precision, server_codec, gamma, gamma_multiplier)");
  }
  MethodOptions o = read_method_options(s, "identity");
  // What the devices send is the identity at `precision`: the codec column must say so (the
  // "identity" default would report 32 bits at precision = 64).
  o.codec = o.dense;
  return o;
}

}  // namespace dcopt
