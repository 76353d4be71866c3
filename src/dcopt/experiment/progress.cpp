#include "dcopt/experiment/progress.hpp"

#include <fmt/format.h>

namespace dcopt {

ProgressLine::ProgressLine(bool enabled, std::FILE* out) : enabled_(enabled), out_(out) {}

void ProgressLine::start_method(std::string label, std::size_t index, std::size_t count,
                                std::uint64_t max_rounds, std::string metric_name) {
  if (!enabled_) return;
  label_ = std::move(label);
  metric_name_ = std::move(metric_name);
  index_ = index;
  count_ = count;
  max_rounds_ = max_rounds;
  round_ = 0;
  bits_ = 0;
  metric_ = 0;
}

void ProgressLine::round(std::uint64_t k, double bits_up) {
  if (!enabled_) return;
  round_ = k;
  bits_ = bits_up;
  // Reading the clock every round would cost more than some rounds do.
  if ((++ticks_ & 63) == 0) draw();
}

void ProgressLine::metric(double value) {
  if (!enabled_) return;
  metric_ = value;
  draw();
}

void ProgressLine::draw() {
  const double now = run_watch_.seconds();
  if (now < 1.0 || (last_draw_ >= 0 && now - last_draw_ < 0.2)) return;
  last_draw_ = now;
  drawn_ = true;
  std::string line =
      fmt::format("\r[{}/{}] {}  round {}/{}  {} {:.3e}  bits/worker {:.4g}  {:.1f}s", index_ + 1,
                  count_, label_, round_, max_rounds_, metric_name_, metric_, bits_, now);
  std::fputs(line.c_str(), out_);
  std::fputs("\033[K", out_);  // clear what a longer previous line left
  std::fflush(out_);
}

void ProgressLine::end_method(const std::string& status, std::uint64_t rounds) {
  if (!enabled_ || !drawn_) return;
  std::fputs(fmt::format("\r[{}/{}] {}  {} after {} rounds\033[K\n", index_ + 1, count_, label_,
                         status, rounds)
                 .c_str(),
             out_);
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace dcopt
