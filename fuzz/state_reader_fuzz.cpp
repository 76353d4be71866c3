// Fuzz target: core/state_io.hpp's StateReader on untrusted bytes (the body of every checkpoint).
// The first input byte picks one of a few field schedules (the shapes methods and checkpoints
// read); the rest is the state. Promise: any bytes are read or rejected with DataError, never
// out of bounds; a state that is read completely has exactly the bytes a StateWriter writes for
// the values read back.
#include <cstdint>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/core/state_io.hpp"
#include "fuzz_support.hpp"

namespace {

using dcopt::StateReader;
using dcopt::StateWriter;

// Reads one schedule from r and writes what it read into w (so the bytes can be compared).
void schedule(int which, StateReader& r, StateWriter& w) {
  switch (which) {
    case 0: {
      w.u64("round", r.u64("round"));
      w.f64("gamma", r.f64("gamma"));
      std::vector<double> x(3);
      r.f64s("x", x);
      w.f64s("x", x);
      break;
    }
    case 1: {
      std::vector<std::uint32_t> idx;
      r.u32s("indices", idx, 64);
      w.u32s("indices", idx);
      std::vector<float> g(2);
      r.f32s("g", g);
      w.f32s("g", g);
      break;
    }
    case 2: {
      const std::string t = r.text("name", 64);
      w.text("name", t);
      w.boolean("flag", r.boolean("flag"));
      break;
    }
    default: {
      // A count read from the state drives how many fields follow (as checkpoints do).
      const std::uint64_t n = r.u64("count");
      w.u64("count", n);
      for (std::uint64_t i = 0; i < n && i < 16; ++i) {
        w.text("item", r.text("item", 32));
        w.f64("value", r.f64("value"));
      }
      break;
    }
  }
  r.expect_end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dcopt::fuzz::InputReader in(data, size);
  const int which = in.byte() % 4;
  const auto state = in.rest();
  StateWriter w;
  const bool ok = dcopt::fuzz::only_throws<dcopt::DataError>("StateReader", [&] {
    StateReader r(state, "<fuzz>");
    schedule(which, r, w);
  });
  if (ok) {
    // Every field is fully determined by its name, type, count and value bits, so a state read
    // to the end re-encodes to the same bytes (the varints are minimal on write; a reader that
    // accepted a padded varint would be caught here).
    const auto& again = w.bytes();
    if (again.size() != state.size() || !std::equal(again.begin(), again.end(), state.begin())) {
      dcopt::fuzz::broken("a state read to the end does not re-encode to its bytes");
    }
  }
  return 0;
}
