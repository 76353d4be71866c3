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
  return read_method_options(s, "identity");
}

}  // namespace dcopt
