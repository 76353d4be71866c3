// The method tests compress with randk and topk. They do not check for them and skip: a build
// without them must fail, here by name and in every test that constructs one ("unknown codec").
#include <gtest/gtest.h>

#include <string>

#include "dcopt/compress/registry.hpp"

namespace dcopt {
namespace {

TEST(MethodTestCodecs, SparsifiersAreInTheCatalog) {
  for (const std::string name : {"randk", "topk"}) {
    bool found = false;
    for (const auto& info : codec_catalog()) found = found || info.name == name;
    EXPECT_TRUE(found) << "codec '" << name << "' is not in codec_catalog()";
    EXPECT_NO_THROW(make_compressor(name + ":k=1")) << name;
  }
}

}  // namespace
}  // namespace dcopt
