#include "audio/real_dft.h"

#include <array>

namespace xattn {
namespace audio {
namespace {

// Taylor series, exact to double precision for |x| <= pi/4.
constexpr double series_sin(double x) {
  double term = x, sum = x;
  for (int i = 1; i < 14; ++i) {
    term *= -x * x / ((2.0 * i) * (2.0 * i + 1.0));
    sum += term;
  }
  return sum;
}
constexpr double series_cos(double x) {
  double term = 1.0, sum = 1.0;
  for (int i = 1; i < 14; ++i) {
    term *= -x * x / ((2.0 * i - 1.0) * (2.0 * i));
    sum += term;
  }
  return sum;
}

// cos(2 pi i / 400) by quadrant and octant, so symmetric entries are equal.
constexpr double cos_turn(size_t i) {
  constexpr double kPi = 3.14159265358979323846;
  constexpr size_t kQuarter = kDftSize / 4;
  const size_t quadrant = i / kQuarter, r = i % kQuarter;
  // c = cos(theta), s = sin(theta), theta = 2 pi r / 400 in [0, pi/2).
  const double theta = 2.0 * kPi * static_cast<double>(r) / kDftSize;
  const double rest = 2.0 * kPi * static_cast<double>(kQuarter - r) / kDftSize;
  const double c = 2 * r <= kQuarter ? series_cos(theta) : series_sin(rest);
  const double s = 2 * r <= kQuarter ? series_sin(theta) : series_cos(rest);
  switch (quadrant) {
    case 0: return c;
    case 1: return -s;
    case 2: return -c;
    default: return s;
  }
}

template <typename Real>
constexpr std::array<Real, kDftSize> make_cos_table() {
  std::array<Real, kDftSize> t{};
  for (size_t i = 0; i < kDftSize; ++i) t[i] = static_cast<Real>(cos_turn(i));
  return t;
}

template <typename Real>
struct Tables {
  static constexpr std::array<Real, kDftSize> kCos = make_cos_table<Real>();
};
template <typename Real>
constexpr std::array<Real, kDftSize> Tables<Real>::kCos;

template <typename Real>
struct Complex {
  Real re, im;
};

// W^e = exp(-2 pi i e / 400).
template <typename Real>
inline Complex<Real> twiddle(size_t e) {
  e %= kDftSize;
  return {Tables<Real>::kCos[e], -Tables<Real>::kCos[(e + 3 * kDftSize / 4) % kDftSize]};
}
template <typename Real>
inline Complex<Real> mul(Complex<Real> a, Complex<Real> b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}

// One radix-r pass of the self-sorting decimation-in-frequency FFT over the
// 200-point transform: n is the length of the current sub-transforms, s
// their number (n * s = 200). y[q + s(rp + k)] = W_n^(pk) sum_j x[q + s(p + jm)] W_r^(jk).
// The twiddles are looked up once per pass (W_r) and once per p (W_n), not
// per butterfly: the same values, so the same results.
template <typename Real>
void stockham_pass(size_t n, size_t s, size_t r, const Complex<Real>* x, Complex<Real>* y) {
  constexpr size_t kMaxRadix = 5;
  const size_t m = n / r;
  const size_t unit_n = kDftSize / n;  // W_n = W^(400 / n)
  const size_t unit_r = kDftSize / r;
  Complex<Real> w_r[kMaxRadix][kMaxRadix];
  for (size_t k = 0; k < r; ++k)
    for (size_t j = 0; j < r; ++j) w_r[k][j] = twiddle<Real>(j * k * unit_r);
  for (size_t p = 0; p < m; ++p) {
    Complex<Real> w_n[kMaxRadix];
    for (size_t k = 0; k < r; ++k) w_n[k] = twiddle<Real>(p * k * unit_n);
    for (size_t q = 0; q < s; ++q) {
      Complex<Real> a[kMaxRadix];
      for (size_t j = 0; j < r; ++j) a[j] = x[q + s * (p + j * m)];
      for (size_t k = 0; k < r; ++k) {
        Complex<Real> sum = a[0];
        for (size_t j = 1; j < r; ++j) {
          const Complex<Real> t = mul(a[j], w_r[k][j]);
          sum.re += t.re;
          sum.im += t.im;
        }
        y[q + s * (r * p + k)] = k == 0 || p == 0 ? sum : mul(sum, w_n[k]);
      }
    }
  }
}

}  // namespace

template <typename Real>
Real dft_cos(size_t i) {
  return Tables<Real>::kCos[i % kDftSize];
}

template <typename Real>
Real* real_dft_400(Real* work) {
  using C = Complex<Real>;
  constexpr size_t kHalf = kDftSize / 2;  // complex points
  C* a = reinterpret_cast<C*>(work);
  C* b = reinterpret_cast<C*>(work + 2 * kDftBins);
  // z[n] = x[2n] + i x[2n+1] is the input as it lies in memory.
  static constexpr size_t kRadices[] = {5, 5, 4, 2};
  size_t n = kHalf, s = 1;
  C* from = a;
  C* to = b;
  for (size_t r : kRadices) {
    stockham_pass(n, s, r, from, to);
    n /= r;
    s *= r;
    C* t = from;
    from = to;
    to = t;
  }
  // from = Z (200 points). X[k] = E[k] + W^k O[k] with E = (Z[k] + conj Z[200-k]) / 2
  // the even samples' transform and O = (Z[k] - conj Z[200-k]) / 2i the odd ones'.
  for (size_t k = 0; k <= kHalf; ++k) {
    const C zk = from[k % kHalf];
    const C zc = from[(kHalf - k) % kHalf];
    const Real half = static_cast<Real>(0.5);
    const C even = {half * (zk.re + zc.re), half * (zk.im - zc.im)};
    const C odd = {half * (zk.im + zc.im), -half * (zk.re - zc.re)};
    const C t = mul(odd, twiddle<Real>(k));
    to[k] = {even.re + t.re, even.im + t.im};
  }
  return reinterpret_cast<Real*>(to);
}

template float dft_cos<float>(size_t);
template double dft_cos<double>(size_t);
template float* real_dft_400<float>(float*);
template double* real_dft_400<double>(double*);

}  // namespace audio
}  // namespace xattn
