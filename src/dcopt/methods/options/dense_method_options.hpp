#pragma once
// The common settings of a method whose devices send dense vectors (GD, GDA, EG, EG-VR): as
// read_method_options, but a `codec` key is an error instead of being silently ignored, and the
// message points to the compressed variant. The returned `codec` is `dense` (the identity at
// `precision`), so that the method reports what it actually sends.
#include <string>

#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {

MethodOptions read_dense_method_options(const Settings& s, const std::string& method,
                                        const std::string& compressed_variant);

}  // namespace dcopt
