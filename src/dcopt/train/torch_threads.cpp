#include "dcopt/train/torch_threads.hpp"

#include <mutex>

#include "dcopt/train/torch_pch.hpp"

namespace dcopt::train {

void configure_torch_threads(int intra_op) {
  static std::once_flag interop;
  std::call_once(interop, [] { at::set_num_interop_threads(1); });
  at::set_num_threads(intra_op);
}

}  // namespace dcopt::train
