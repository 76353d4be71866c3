#include "dcopt/core/stop_request.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>

namespace dcopt {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free flag");

void write_stderr(const char* text) {
  // write(2) is async-signal-safe; a short or failed write of a notice is not worth handling.
  const ssize_t n = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)n;
}

extern "C" void on_stop_signal(int sig) {
  int none = 0;
  if (g_signal.compare_exchange_strong(none, sig)) {
    write_stderr(
        "\ndcopt: stop requested: finishing the current round, then writing the results so far "
        "and a checkpoint (send the signal again to exit at once)\n");
    return;
  }
  write_stderr("\ndcopt: second stop request: exiting at once\n");
  ::_exit(128 + sig);
}

}  // namespace

void install_stop_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  // blocking reads and writes resume instead of failing with EINTR
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
  });
}

int stop_signal() { return g_signal.load(std::memory_order_relaxed); }

void request_stop(int signal) {
  int none = 0;
  g_signal.compare_exchange_strong(none, signal);
}

void clear_stop_request() { g_signal.store(0); }

}  // namespace dcopt
