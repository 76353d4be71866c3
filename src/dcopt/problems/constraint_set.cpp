#include "dcopt/problems/constraint_set.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
// Relative slack for set inclusion: the sets come from user numbers that may have been
// rounded (e.g. a ball radius computed from a box), so exact comparisons would be brittle.
constexpr double kInclusionSlack = 1e-12;
}  // namespace

ConstraintSet ConstraintSet::box(double lo, double hi) {
  if (std::isnan(lo) || std::isnan(hi) || lo > hi || lo == kInf || hi == -kInf) {
    throw InvalidArgument("ConstraintSet::box: need lo <= hi, lo < +inf, hi > -inf; got lo=" +
                          std::to_string(lo) + ", hi=" + std::to_string(hi));
  }
  ConstraintSet s;
  s.kind_ = Kind::box;
  s.lo_ = lo;
  s.hi_ = hi;
  return s;
}

ConstraintSet ConstraintSet::ball(std::vector<double> center, double radius) {
  if (center.empty() || !vec::all_finite(center)) {
    throw InvalidArgument("ConstraintSet::ball: center must be non-empty and finite (size " +
                          std::to_string(center.size()) + ")");
  }
  if (!(radius >= 0.0) || !std::isfinite(radius)) {
    throw InvalidArgument("ConstraintSet::ball: radius must be finite and >= 0, got " +
                          std::to_string(radius));
  }
  ConstraintSet s;
  s.kind_ = Kind::ball;
  s.center_ = std::move(center);
  s.radius_ = radius;
  return s;
}

bool ConstraintSet::is_bounded() const {
  switch (kind_) {
    case Kind::whole_space: return false;
    case Kind::box: return std::isfinite(lo_) && std::isfinite(hi_);
    case Kind::ball: return true;
  }
  return false;
}

void ConstraintSet::check_dim(std::size_t n, const char* what) const {
  if (kind_ == Kind::ball && n != center_.size()) {
    throw InvalidArgument(std::string("ConstraintSet::") + what + ": vector of size " +
                          std::to_string(n) + " for a ball of dimension " +
                          std::to_string(center_.size()));
  }
}

void ConstraintSet::project(std::span<const double> v, std::span<double> out) const {
  if (v.size() != out.size()) {
    throw InvalidArgument("ConstraintSet::project: input size " + std::to_string(v.size()) +
                          " != output size " + std::to_string(out.size()));
  }
  check_dim(v.size(), "project");
  switch (kind_) {
    case Kind::whole_space:
      if (out.data() != v.data()) std::copy(v.begin(), v.end(), out.begin());
      return;
    case Kind::box:
      for (std::size_t i = 0; i < v.size(); ++i) out[i] = std::clamp(v[i], lo_, hi_);
      return;
    case Kind::ball: {
      // The distance is computed before anything is written, so out may alias v.
      double n2 = 0.0;
      for (std::size_t i = 0; i < v.size(); ++i) n2 += (v[i] - center_[i]) * (v[i] - center_[i]);
      const double n = std::sqrt(n2);
      const double s = n > radius_ ? radius_ / n : 1.0;
      for (std::size_t i = 0; i < v.size(); ++i) out[i] = center_[i] + s * (v[i] - center_[i]);
      return;
    }
  }
}

void ConstraintSet::prox(double gamma, std::span<const double> v, std::span<double> out) const {
  if (!(gamma > 0.0)) {
    throw InvalidArgument("ConstraintSet::prox: gamma must be > 0, got " + std::to_string(gamma));
  }
  project(v, out);
}

bool ConstraintSet::contains(std::span<const double> z, double tol) const {
  if (kind_ == Kind::ball && z.size() != center_.size()) return false;
  for (double zi : z) {
    if (std::isnan(zi)) return false;
  }
  switch (kind_) {
    case Kind::whole_space: return true;
    case Kind::box:
      return std::all_of(z.begin(), z.end(),
                         [&](double zi) { return zi >= lo_ - tol && zi <= hi_ + tol; });
    case Kind::ball: return std::sqrt(vec::dist2_sq(z, center_)) <= radius_ + tol;
  }
  return false;
}

bool ConstraintSet::contains(const ConstraintSet& other, std::size_t dim) const {
  if (kind_ == Kind::ball && dim != center_.size()) return false;
  if (other.kind_ == Kind::ball && dim != other.center_.size()) return false;
  switch (kind_) {
    case Kind::whole_space: return true;
    case Kind::box: {
      const double slack = kInclusionSlack * (1.0 + std::max(std::abs(lo_), std::abs(hi_)));
      switch (other.kind_) {
        case Kind::whole_space: return lo_ == -kInf && hi_ == kInf;
        case Kind::box: return other.lo_ >= lo_ - slack && other.hi_ <= hi_ + slack;
        case Kind::ball:
          for (double c : other.center_) {
            if (c - other.radius_ < lo_ - slack || c + other.radius_ > hi_ + slack) return false;
          }
          return true;
      }
      return false;
    }
    case Kind::ball: {
      const double slack = kInclusionSlack * (1.0 + radius_);
      switch (other.kind_) {
        case Kind::whole_space: return false;
        case Kind::box: {
          if (!other.is_bounded()) return false;
          // The farthest point of a box from c is the vertex that picks, per coordinate, the
          // bound farther from c_i.
          double far2 = 0.0;
          for (double c : center_) {
            const double e = std::max(std::abs(other.lo_ - c), std::abs(other.hi_ - c));
            far2 += e * e;
          }
          return std::sqrt(far2) <= radius_ + slack;
        }
        case Kind::ball:
          return std::sqrt(vec::dist2_sq(center_, other.center_)) + other.radius_ <=
                 radius_ + slack;
      }
      return false;
    }
  }
  return false;
}

double ConstraintSet::support(std::span<const double> g) const {
  check_dim(g.size(), "support");
  switch (kind_) {
    case Kind::whole_space:
      return std::all_of(g.begin(), g.end(), [](double gi) { return gi == 0.0; }) ? 0.0 : kInf;
    case Kind::box: {
      // Separable: each coordinate goes to the bound g_i points at. Branching (instead of
      // max(lo*g, hi*g)) avoids inf * 0 = NaN for half-infinite boxes.
      double s = 0.0;
      for (double gi : g) {
        if (gi > 0.0) s += hi_ * gi;
        if (gi < 0.0) s += lo_ * gi;
      }
      return s;
    }
    case Kind::ball: return vec::dot(center_, g) + radius_ * vec::norm2(g);
  }
  return kInf;
}

std::string ConstraintSet::describe() const {
  switch (kind_) {
    case Kind::whole_space: return "whole_space";
    case Kind::box: return "box[" + std::to_string(lo_) + "," + std::to_string(hi_) + "]";
    case Kind::ball:
      return "ball(r=" + std::to_string(radius_) + ",d=" + std::to_string(center_.size()) + ")";
  }
  return "?";
}

}  // namespace dcopt
