#include "dcopt/problems/bilinear_game.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {
namespace {

using ConstMap = Eigen::Map<const Eigen::VectorXd>;
using Map = Eigen::Map<Eigen::VectorXd>;

// Shift of the positive definite generator: see the header (uniqueness of z* when lambda = 0).
constexpr double kPdShift = 0.1;

struct DeviceData {
  Eigen::MatrixXd a_mat;
  Eigen::VectorXd a;
  Eigen::VectorXd b;
};

void fill_normal(Rng& rng, double scale, Eigen::Ref<Eigen::MatrixXd> m) {
  // Column-major order is part of the generator's definition (documented in the header).
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    for (Eigen::Index i = 0; i < m.rows(); ++i) m(i, j) = scale * rng.normal();
  }
}

DeviceData generate_device(const BilinearGameParams& p, std::size_t m) {
  const auto d = static_cast<Eigen::Index>(p.dim);
  Rng rng(p.seed, Purpose::data, m, 0);
  DeviceData out;
  Eigen::MatrixXd g(d, d);
  fill_normal(rng, 1.0, g);
  out.a = Eigen::VectorXd(d);
  out.b = Eigen::VectorXd(d);
  fill_normal(rng, 1.0, out.a);
  fill_normal(rng, 1.0, out.b);
  switch (p.matrices) {
    case BilinearMatrices::positive_definite:
      out.a_mat = g * g.transpose() / static_cast<double>(d);
      out.a_mat.diagonal().array() += kPdShift;
      break;
    case BilinearMatrices::gaussian: out.a_mat = g / std::sqrt(static_cast<double>(d)); break;
  }
  return out;
}

double sigma_max(const Eigen::MatrixXd& a) {
  Eigen::BDCSVD<Eigen::MatrixXd> svd(a);
  return svd.singularValues()(0);
}

void check_size(std::size_t got, std::size_t want, const char* what) {
  if (got != want) {
    throw InvalidArgument(std::string(what) + ": vector of size " + std::to_string(got) +
                          ", expected " + std::to_string(want));
  }
}

void check_no_overlap(std::span<const double> z, std::span<double> out, const char* what) {
  // A write to out.head would clobber x before the y-block reads it.
  const std::less<const double*> lt;
  const bool disjoint =
      !lt(z.data(), out.data() + out.size()) || !lt(out.data(), z.data() + z.size());
  if (!disjoint) throw InvalidArgument(std::string(what) + ": out must not overlap z");
}

// out = (A y + a + lambda x, -A^T x - b + lambda y) for z = (x, y).
void bilinear_apply(const Eigen::MatrixXd& a_mat, const Eigen::VectorXd& a,
                    const Eigen::VectorXd& b, double lambda, std::span<const double> z,
                    std::span<double> out) {
  const Eigen::Index d = a_mat.rows();
  ConstMap zm(z.data(), 2 * d);
  Map om(out.data(), 2 * d);
  om.head(d).noalias() = a_mat * zm.tail(d);
  om.head(d) += a + lambda * zm.head(d);
  om.tail(d).noalias() = a_mat.transpose() * zm.head(d);
  om.tail(d) = lambda * zm.tail(d) - om.tail(d) - b;
}

double bilinear_value(const Eigen::MatrixXd& a_mat, const Eigen::VectorXd& a,
                      const Eigen::VectorXd& b, double lambda, std::span<const double> z) {
  const Eigen::Index d = a_mat.rows();
  ConstMap zm(z.data(), 2 * d);
  const auto x = zm.head(d);
  const auto y = zm.tail(d);
  return x.dot(a_mat * y) + a.dot(x) + b.dot(y) +
         0.5 * lambda * (x.squaredNorm() - y.squaredNorm());
}

}  // namespace

void validate(const BilinearGameParams& p) {
  if (p.dim < 1) throw InvalidArgument("bilinear game: dim (d per block) must be >= 1, got 0");
  if (p.num_devices < 1) {
    throw InvalidArgument("bilinear game: num_devices (M) must be >= 1, got 0");
  }
  if (!(p.lambda >= 0.0) || !std::isfinite(p.lambda)) {
    throw InvalidArgument("bilinear game: lambda must be finite and >= 0, got " +
                          std::to_string(p.lambda));
  }
  // Term indices travel as uint32 (Operator::apply_terms).
  if (p.num_terms < 1 || p.num_terms > std::numeric_limits<std::uint32_t>::max()) {
    throw InvalidArgument("bilinear game: num_terms (r) must be in [1, 2^32 - 1], got " +
                          std::to_string(p.num_terms));
  }
  if (!(p.term_noise >= 0.0) || !std::isfinite(p.term_noise)) {
    throw InvalidArgument("bilinear game: term_noise must be finite and >= 0, got " +
                          std::to_string(p.term_noise));
  }
}

// ---------------------------------------------------------------------------------------------
// BilinearDeviceOperator

BilinearDeviceOperator::BilinearDeviceOperator(const BilinearGameParams& params, std::size_t device)
    : d_(params.dim), r_(params.num_terms), device_(device), lambda_(params.lambda) {
  validate(params);
  if (device >= params.num_devices) {
    throw InvalidArgument("bilinear game: device index must be in [0, " +
                          std::to_string(params.num_devices) + "), got " + std::to_string(device));
  }
  DeviceData data = generate_device(params, device);
  a_mat_ = std::move(data.a_mat);
  a_vec_ = std::move(data.a);
  b_vec_ = std::move(data.b);

  // ||J_m||_2^2 = lambda_max(J^T J) = lambda^2 + sigma_max(A_m)^2, because
  // J^T J = [[lambda I, -A],[A^T, lambda I]] [[lambda I, A],[-A^T, lambda I]]
  //       = [[lambda^2 I + A A^T,       lambda A - lambda A],
  //          [lambda A^T - lambda A^T, A^T A + lambda^2 I]]
  // is block diagonal and A A^T, A^T A share their largest eigenvalue sigma_max^2.
  const double s = sigma_max(a_mat_);
  lipschitz_ = std::sqrt(lambda_ * lambda_ + s * s);
  mean_term_lipschitz_ = lipschitz_;
  if (r_ == 1) return;

  const auto d = static_cast<Eigen::Index>(d_);
  const auto r = static_cast<Eigen::Index>(r_);
  const double sd = 1.0 / std::sqrt(static_cast<double>(d));
  term_mats_.assign(r_, Eigen::MatrixXd(d, d));
  term_a_.resize(d, r);
  term_b_.resize(d, r);
  Eigen::MatrixXd mean_e = Eigen::MatrixXd::Zero(d, d);
  for (std::size_t i = 0; i < r_; ++i) {
    Rng rng(params.seed, Purpose::data, device, 1 + static_cast<std::uint64_t>(i));
    fill_normal(rng, sd, term_mats_[i]);
    fill_normal(rng, 1.0, term_a_.col(static_cast<Eigen::Index>(i)));
    fill_normal(rng, 1.0, term_b_.col(static_cast<Eigen::Index>(i)));
    mean_e += term_mats_[i];
  }
  mean_e /= static_cast<double>(r);
  const Eigen::VectorXd mean_ea = term_a_.rowwise().mean();
  const Eigen::VectorXd mean_eb = term_b_.rowwise().mean();
  const double noise = params.term_noise;
  for (std::size_t i = 0; i < r_; ++i) {
    const auto c = static_cast<Eigen::Index>(i);
    term_mats_[i] = a_mat_ + noise * (term_mats_[i] - mean_e);
    term_a_.col(c) = a_vec_ + noise * (term_a_.col(c) - mean_ea);
    term_b_.col(c) = b_vec_ + noise * (term_b_.col(c) - mean_eb);
  }

  // Assumption 1: (1/r) sum_i ||J_i v||^2 = v^T [(1/r) sum_i J_i^T J_i] v, and each J_i^T J_i is
  // blockdiag(lambda^2 I + A_i A_i^T, lambda^2 I + A_i^T A_i) (as above), so the x- and y-blocks
  // decouple and the constant is lambda^2 + the larger of the two blocks' top eigenvalues.
  Eigen::MatrixXd s_left = Eigen::MatrixXd::Zero(d, d);
  Eigen::MatrixXd s_right = Eigen::MatrixXd::Zero(d, d);
  for (const auto& ai : term_mats_) {
    s_left.selfadjointView<Eigen::Lower>().rankUpdate(ai);
    s_right.selfadjointView<Eigen::Lower>().rankUpdate(ai.transpose());
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> el(s_left / static_cast<double>(r),
                                                          Eigen::EigenvaluesOnly);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> er(s_right / static_cast<double>(r),
                                                          Eigen::EigenvaluesOnly);
  const double top = std::max(el.eigenvalues()(d - 1), er.eigenvalues()(d - 1));
  mean_term_lipschitz_ = std::sqrt(lambda_ * lambda_ + top);
}

void BilinearDeviceOperator::apply(std::span<const double> z, std::span<double> out) const {
  check_size(z.size(), dim(), "BilinearDeviceOperator::apply z");
  check_size(out.size(), dim(), "BilinearDeviceOperator::apply out");
  check_no_overlap(z, out, "BilinearDeviceOperator::apply");
  bilinear_apply(a_mat_, a_vec_, b_vec_, lambda_, z, out);
}

void BilinearDeviceOperator::apply_terms(std::span<const double> z,
                                         std::span<const std::uint32_t> idx,
                                         std::span<double> out) const {
  check_size(z.size(), dim(), "BilinearDeviceOperator::apply_terms z");
  check_size(out.size(), dim(), "BilinearDeviceOperator::apply_terms out");
  check_no_overlap(z, out, "BilinearDeviceOperator::apply_terms");
  if (idx.empty()) throw InvalidArgument("BilinearDeviceOperator::apply_terms: idx is empty");
  for (std::uint32_t i : idx) {
    if (i >= r_) {
      throw InvalidArgument("BilinearDeviceOperator::apply_terms: term index " + std::to_string(i) +
                            " not in [0, " + std::to_string(r_) + ")");
    }
  }
  if (r_ == 1) {
    apply(z, out);
    return;
  }
  // Average the data-dependent parts first, add the lambda terms once.
  const auto d = static_cast<Eigen::Index>(d_);
  ConstMap zm(z.data(), 2 * d);
  Map om(out.data(), 2 * d);
  om.setZero();
  for (std::uint32_t i : idx) {
    om.head(d).noalias() += term_mats_[i] * zm.tail(d);
    om.head(d) += term_a_.col(i);
    om.tail(d).noalias() += term_mats_[i].transpose() * zm.head(d);
    om.tail(d) += term_b_.col(i);
  }
  const double inv = 1.0 / static_cast<double>(idx.size());
  om.head(d) = inv * om.head(d) + lambda_ * zm.head(d);
  om.tail(d) = lambda_ * zm.tail(d) - inv * om.tail(d);
}

double BilinearDeviceOperator::value(std::span<const double> z) const {
  check_size(z.size(), dim(), "BilinearDeviceOperator::value z");
  return bilinear_value(a_mat_, a_vec_, b_vec_, lambda_, z);
}

// ---------------------------------------------------------------------------------------------
// BilinearGame

BilinearGame::BilinearGame(const BilinearGameParams& params) : params_(params) {
  validate(params_);
  const auto d = static_cast<Eigen::Index>(params_.dim);
  const std::size_t mm = params_.num_devices;
  const double lambda = params_.lambda;
  a_bar_ = Eigen::MatrixXd::Zero(d, d);
  a_bar_vec_ = Eigen::VectorXd::Zero(d);
  b_bar_vec_ = Eigen::VectorXd::Zero(d);
  device_lipschitz_.resize(mm);
  double sum_sq = 0.0;
  for (std::size_t m = 0; m < mm; ++m) {
    // Only the deterministic data: the finite-sum terms average to it exactly.
    const DeviceData data = generate_device(params_, m);
    a_bar_ += data.a_mat;
    a_bar_vec_ += data.a;
    b_bar_vec_ += data.b;
    const double s = sigma_max(data.a_mat);
    device_lipschitz_[m] = std::sqrt(lambda * lambda + s * s);
    sum_sq += lambda * lambda + s * s;
  }
  const double inv_m = 1.0 / static_cast<double>(mm);
  a_bar_ *= inv_m;
  a_bar_vec_ *= inv_m;
  b_bar_vec_ *= inv_m;
  lipschitz_hat_ = std::sqrt(sum_sq * inv_m);

  Eigen::BDCSVD<Eigen::MatrixXd> svd(a_bar_);
  const auto& sv = svd.singularValues();
  lipschitz_ = std::sqrt(lambda * lambda + sv(0) * sv(0));

  // J z = -c with J = [[lambda I, A_bar], [-A_bar^T, lambda I]], c = (a_bar, -b_bar). J is
  // nonsingular when lambda > 0 (its symmetric part is lambda I) or when A_bar is; the
  // singular values of J are sqrt(lambda^2 + sigma_i(A_bar)^2).
  const double smin2 = lambda * lambda + sv(d - 1) * sv(d - 1);
  has_solution_ = smin2 > 1e-24 * lipschitz_ * lipschitz_;
  if (!has_solution_) return;
  Eigen::MatrixXd jac(2 * d, 2 * d);
  jac.topLeftCorner(d, d) = lambda * Eigen::MatrixXd::Identity(d, d);
  jac.topRightCorner(d, d) = a_bar_;
  jac.bottomLeftCorner(d, d) = -a_bar_.transpose();
  jac.bottomRightCorner(d, d) = lambda * Eigen::MatrixXd::Identity(d, d);
  Eigen::VectorXd rhs(2 * d);
  rhs.head(d) = -a_bar_vec_;
  rhs.tail(d) = b_bar_vec_;
  const Eigen::PartialPivLU<Eigen::MatrixXd> lu(jac);
  Eigen::VectorXd z = lu.solve(rhs);
  // One step of iterative refinement: cheap, and it brings the residual to round-off even
  // for moderately ill-conditioned J (small lambda), which tests check at 1e-10.
  z += lu.solve(rhs - jac * z);
  solution_.assign(z.data(), z.data() + z.size());
}

BilinearDeviceOperator BilinearGame::device(std::size_t m) const {
  return BilinearDeviceOperator(params_, m);
}

std::unique_ptr<Operator> BilinearGame::make_operator(std::size_t m) const {
  return std::make_unique<BilinearDeviceOperator>(params_, m);
}

void BilinearGame::apply(std::span<const double> z, std::span<double> out) const {
  check_size(z.size(), dim(), "BilinearGame::apply z");
  check_size(out.size(), dim(), "BilinearGame::apply out");
  check_no_overlap(z, out, "BilinearGame::apply");
  bilinear_apply(a_bar_, a_bar_vec_, b_bar_vec_, params_.lambda, z, out);
}

double BilinearGame::value(std::span<const double> z) const {
  check_size(z.size(), dim(), "BilinearGame::value z");
  return bilinear_value(a_bar_, a_bar_vec_, b_bar_vec_, params_.lambda, z);
}

double BilinearGame::mean_term_lipschitz_hat() const {
  double sum_sq = 0.0;
  for (std::size_t m = 0; m < params_.num_devices; ++m) {
    const double l = BilinearDeviceOperator(params_, m).mean_term_lipschitz();
    sum_sq += l * l;
  }
  return std::sqrt(sum_sq / static_cast<double>(params_.num_devices));
}

std::span<const double> BilinearGame::solution() const {
  if (!has_solution_) {
    throw InvalidArgument(
        "bilinear game: the saddle point is not unique (lambda = 0 and the mean matrix is "
        "singular); use lambda > 0 or the positive_definite generator");
  }
  return solution_;
}

// Gap function, paper eq. (11), in closed form.
//
// Write F(u) = J u + c with J = [[lambda I, A],[-A^T, lambda I]] (A = A_bar) and
// c = (a_bar, -b_bar). Since u^T J u = lambda ||u||^2 (the off-diagonal blocks are skew),
//   <F(u), z - u> = <u, J^T z> + <c, z> - lambda ||u||^2 - <c, u>
//                 = <u, g> - lambda ||u||^2 + <c, z>
// with g = J^T z - c = (lambda x - A y - a_bar, A^T x + lambda y + b_bar).
// For h = indicator_Z + (rho/2)||.||^2, z in Z and u in C subset of Z, h(z) - h(u) =
// (rho/2)(||z||^2 - ||u||^2). So the function maximized over u in C is
//   psi(u) = <u, g> - kappa ||u||^2 + <c, z> + (rho/2)||z||^2,   kappa = lambda + rho/2.
// * kappa = 0 (the monotone bilinear game, h = indicator): psi is linear in u and its sup over C
//   is the support function of C at g plus the constant. For a box [lo, hi]^d that is
//   sum_i max(lo g_i, hi g_i), attained at the vertex u_i = (g_i > 0 ? hi : lo); for a ball it
//   is <center, g> + radius ||g||, attained at center + radius g/||g||.
// * kappa > 0: psi(u) = -kappa ||u - g/(2 kappa)||^2 + const, so the maximizer over the convex
//   set C is the projection u* = Proj_C(g / (2 kappa)) (a per-coordinate clamp for a box).
// Either way the value is psi at the maximizer, evaluated directly.
double BilinearGame::gap(std::span<const double> z, const ConstraintSet& c, const CompositeTerm& h,
                         std::span<double> argmax) const {
  const std::size_t n = dim();
  check_size(z.size(), n, "BilinearGame::gap z");
  if (!argmax.empty()) check_size(argmax.size(), n, "BilinearGame::gap argmax");
  if (!h.set().contains(c, n)) {
    throw InvalidArgument("BilinearGame::gap: the set C (" + c.describe() +
                          ") must lie inside Z (" + h.set().describe() + ")");
  }
  if (c.kind() == ConstraintSet::Kind::ball && c.center().size() != n) {
    throw InvalidArgument("BilinearGame::gap: C is a ball of dimension " +
                          std::to_string(c.center().size()) + ", expected " + std::to_string(n));
  }
  double zmax = 0.0;
  for (double zi : z) zmax = std::max(zmax, std::abs(zi));
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (!h.set().contains(z, 1e-9 * (1.0 + zmax))) return kInf;

  const auto d = static_cast<Eigen::Index>(params_.dim);
  const double lambda = params_.lambda;
  const double rho = h.l2();
  const double kappa = lambda + 0.5 * rho;
  ConstMap zm(z.data(), 2 * d);
  const auto x = zm.head(d);
  const auto y = zm.tail(d);
  Eigen::VectorXd g(2 * d);
  g.head(d) = lambda * x - a_bar_ * y - a_bar_vec_;
  g.tail(d) = a_bar_.transpose() * x + lambda * y + b_bar_vec_;
  const double cz = a_bar_vec_.dot(x) - b_bar_vec_.dot(y);
  const double constant = cz + 0.5 * rho * zm.squaredNorm();

  Eigen::VectorXd u(2 * d);
  std::span<double> us(u.data(), n);
  if (kappa > 0.0) {
    const Eigen::VectorXd target = g / (2.0 * kappa);
    c.project(std::span<const double>(target.data(), n), us);
  } else {
    const double sup = c.support(std::span<const double>(g.data(), n));
    if (!std::isfinite(sup)) return sup;
    switch (c.kind()) {
      case ConstraintSet::Kind::whole_space: u.setZero(); break;  // g = 0: any u attains
      case ConstraintSet::Kind::box:
        for (Eigen::Index i = 0; i < 2 * d; ++i) {
          // g_i = 0 contributes nothing; pick a finite bound so psi stays finite.
          if (g(i) > 0.0)
            u(i) = c.upper();
          else if (g(i) < 0.0)
            u(i) = c.lower();
          else
            u(i) =
                std::isfinite(c.lower()) ? c.lower() : (std::isfinite(c.upper()) ? c.upper() : 0.0);
        }
        break;
      case ConstraintSet::Kind::ball: {
        const ConstMap ctr(c.center().data(), 2 * d);
        const double gn = g.norm();
        u = gn > 0.0 ? Eigen::VectorXd(ctr + (c.radius() / gn) * g) : Eigen::VectorXd(ctr);
        break;
      }
    }
  }
  if (!argmax.empty()) std::copy(u.data(), u.data() + u.size(), argmax.begin());
  return u.dot(g) - kappa * u.squaredNorm() + constant;
}

}  // namespace dcopt
