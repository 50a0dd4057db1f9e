#include "nn/kernels/ref/rfft.h"

#include <cmath>
#include <type_traits>

namespace edge {
namespace nn {
namespace ref {
namespace {

// Wrapping two's complement arithmetic: C's int16 sums are exact in int and only wrap when
// stored, int32 sums wrap right away (undefined in C, wrapping on every target TFLM runs on).
template <typename W>
W wadd(W a, W b) {
  using U = typename std::make_unsigned<W>::type;
  return static_cast<W>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename W>
W wsub(W a, W b) {
  using U = typename std::make_unsigned<W>::type;
  return static_cast<W>(static_cast<U>(a) - static_cast<U>(b));
}

// The arithmetic of one KISS build: S the sample type, A the type C computes a sum of
// samples in, P the product type; S_MUL, C_MUL, C_FIXDIV, HALF_OF as in _kiss_fft_guts.h.
template <typename T>
struct Arith;

template <typename S_, typename A_, typename P_, int kFracBits, int64_t kMax>
struct FixedArith {
  using S = S_;
  using A = A_;
  using P = P_;
  using C = RfftComplex<S>;
  static constexpr bool kFloat = false;

  static S store(A v) { return static_cast<S>(v); }
  static A add(A a, A b) { return wadd<A>(a, b); }
  static A sub(A a, A b) { return wsub<A>(a, b); }
  static A neg(A a) { return wsub<A>(0, a); }
  static S round(P x) { return static_cast<S>(wadd<P>(x, P{1} << (kFracBits - 1)) >> kFracBits); }
  static P product(S a, S b) { return static_cast<P>(a) * static_cast<P>(b); }
  static S mul(S a, S b) { return round(product(a, b)); }
  static C cmul(C a, C b) {
    return {round(wsub<P>(product(a.r, b.r), product(a.i, b.i))),
            round(wadd<P>(product(a.r, b.i), product(a.i, b.r)))};
  }
  static void fixdiv(C& c, int div) {
    const S k = static_cast<S>(kMax / div);
    c.r = round(product(c.r, k));
    c.i = round(product(c.i, k));
  }
  static S half(A x) { return store(x >> 1); }
  static S twiddle(double value) { return static_cast<S>(std::floor(0.5 + kMax * value)); }
};

template <>
struct Arith<int16_t> : FixedArith<int16_t, int32_t, int32_t, 15, 32767> {};
template <>
struct Arith<int32_t> : FixedArith<int32_t, int32_t, int64_t, 31, 2147483647> {};

template <>
struct Arith<float> {
  using S = float;
  using A = float;
  using C = RfftComplex<float>;
  static constexpr bool kFloat = true;

  static S store(A v) { return v; }
  static A add(A a, A b) { return a + b; }
  static A sub(A a, A b) { return a - b; }
  static A neg(A a) { return -a; }
  static S mul(S a, S b) { return a * b; }
  static C cmul(C a, C b) { return {a.r * b.r - a.i * b.i, a.r * b.i + a.i * b.r}; }
  static void fixdiv(C&, int) {}
  static S half(A x) { return x * 0.5f; }  // TFLM's patch: (x) * (kiss_fft_scalar).5
  static S twiddle(double value) { return static_cast<float>(value); }
};

template <typename T>
using Cpx = RfftComplex<T>;

template <typename T>
void bfly2(Cpx<T>* out, size_t fstride, const Cpx<T>* tw, int m) {
  using K = Arith<T>;
  Cpx<T>* out2 = out + m;
  const Cpx<T>* tw1 = tw;
  for (int k = 0; k < m; ++k) {
    K::fixdiv(out[k], 2);
    K::fixdiv(out2[k], 2);
    const Cpx<T> t = K::cmul(out2[k], *tw1);
    tw1 += fstride;
    out2[k] = {K::store(K::sub(out[k].r, t.r)), K::store(K::sub(out[k].i, t.i))};
    out[k] = {K::store(K::add(out[k].r, t.r)), K::store(K::add(out[k].i, t.i))};
  }
}

template <typename T>
void bfly3(Cpx<T>* out, size_t fstride, const Cpx<T>* tw, size_t m) {
  using K = Arith<T>;
  const size_t m2 = 2 * m;
  const Cpx<T> epi3 = tw[fstride * m];
  const Cpx<T>* tw1 = tw;
  const Cpx<T>* tw2 = tw;
  for (size_t k = 0; k < m; ++k, ++out) {
    K::fixdiv(out[0], 3);
    K::fixdiv(out[m], 3);
    K::fixdiv(out[m2], 3);
    const Cpx<T> s1 = K::cmul(out[m], *tw1);
    const Cpx<T> s2 = K::cmul(out[m2], *tw2);
    const Cpx<T> s3 = {K::store(K::add(s1.r, s2.r)), K::store(K::add(s1.i, s2.i))};
    Cpx<T> s0 = {K::store(K::sub(s1.r, s2.r)), K::store(K::sub(s1.i, s2.i))};
    tw1 += fstride;
    tw2 += fstride * 2;
    out[m].r = K::store(K::sub(out[0].r, K::half(s3.r)));
    out[m].i = K::store(K::sub(out[0].i, K::half(s3.i)));
    s0 = {K::mul(s0.r, epi3.i), K::mul(s0.i, epi3.i)};  // C_MULBYSCALAR
    out[0] = {K::store(K::add(out[0].r, s3.r)), K::store(K::add(out[0].i, s3.i))};
    out[m2].r = K::store(K::add(out[m].r, s0.i));
    out[m2].i = K::store(K::sub(out[m].i, s0.r));
    out[m].r = K::store(K::sub(out[m].r, s0.i));
    out[m].i = K::store(K::add(out[m].i, s0.r));
  }
}

template <typename T>
void bfly4(Cpx<T>* out, size_t fstride, const Cpx<T>* tw, size_t m) {
  using K = Arith<T>;
  const size_t m2 = 2 * m, m3 = 3 * m;
  const Cpx<T>* tw1 = tw;
  const Cpx<T>* tw2 = tw;
  const Cpx<T>* tw3 = tw;
  for (size_t k = 0; k < m; ++k, ++out) {
    K::fixdiv(out[0], 4);
    K::fixdiv(out[m], 4);
    K::fixdiv(out[m2], 4);
    K::fixdiv(out[m3], 4);
    const Cpx<T> s0 = K::cmul(out[m], *tw1);
    const Cpx<T> s1 = K::cmul(out[m2], *tw2);
    const Cpx<T> s2 = K::cmul(out[m3], *tw3);
    const Cpx<T> s5 = {K::store(K::sub(out[0].r, s1.r)), K::store(K::sub(out[0].i, s1.i))};
    out[0] = {K::store(K::add(out[0].r, s1.r)), K::store(K::add(out[0].i, s1.i))};
    const Cpx<T> s3 = {K::store(K::add(s0.r, s2.r)), K::store(K::add(s0.i, s2.i))};
    const Cpx<T> s4 = {K::store(K::sub(s0.r, s2.r)), K::store(K::sub(s0.i, s2.i))};
    out[m2] = {K::store(K::sub(out[0].r, s3.r)), K::store(K::sub(out[0].i, s3.i))};
    tw1 += fstride;
    tw2 += fstride * 2;
    tw3 += fstride * 3;
    out[0] = {K::store(K::add(out[0].r, s3.r)), K::store(K::add(out[0].i, s3.i))};
    // Forward transform.
    out[m].r = K::store(K::add(s5.r, s4.i));
    out[m].i = K::store(K::sub(s5.i, s4.r));
    out[m3].r = K::store(K::sub(s5.r, s4.i));
    out[m3].i = K::store(K::add(s5.i, s4.r));
  }
}

template <typename T>
void bfly5(Cpx<T>* out, size_t fstride, const Cpx<T>* tw, int m) {
  using K = Arith<T>;
  using A = typename K::A;
  const Cpx<T> ya = tw[fstride * static_cast<size_t>(m)];
  const Cpx<T> yb = tw[fstride * 2 * static_cast<size_t>(m)];
  Cpx<T>* o0 = out;
  Cpx<T>* o1 = out + m;
  Cpx<T>* o2 = out + 2 * m;
  Cpx<T>* o3 = out + 3 * m;
  Cpx<T>* o4 = out + 4 * m;
  for (int u = 0; u < m; ++u) {
    const size_t uf = static_cast<size_t>(u) * fstride;
    K::fixdiv(*o0, 5);
    K::fixdiv(*o1, 5);
    K::fixdiv(*o2, 5);
    K::fixdiv(*o3, 5);
    K::fixdiv(*o4, 5);
    const Cpx<T> s0 = *o0;
    const Cpx<T> s1 = K::cmul(*o1, tw[uf]);
    const Cpx<T> s2 = K::cmul(*o2, tw[2 * uf]);
    const Cpx<T> s3 = K::cmul(*o3, tw[3 * uf]);
    const Cpx<T> s4 = K::cmul(*o4, tw[4 * uf]);
    const Cpx<T> s7 = {K::store(K::add(s1.r, s4.r)), K::store(K::add(s1.i, s4.i))};
    const Cpx<T> s10 = {K::store(K::sub(s1.r, s4.r)), K::store(K::sub(s1.i, s4.i))};
    const Cpx<T> s8 = {K::store(K::add(s2.r, s3.r)), K::store(K::add(s2.i, s3.i))};
    const Cpx<T> s9 = {K::store(K::sub(s2.r, s3.r)), K::store(K::sub(s2.i, s3.i))};
    // Fout0->r += scratch[7].r + scratch[8].r (the right side first, in A).
    o0->r = K::store(K::add(A(o0->r), K::add(s7.r, s8.r)));
    o0->i = K::store(K::add(A(o0->i), K::add(s7.i, s8.i)));
    const Cpx<T> s5 = {K::store(K::add(K::add(s0.r, K::mul(s7.r, ya.r)), A(K::mul(s8.r, yb.r)))),
                       K::store(K::add(K::add(s0.i, K::mul(s7.i, ya.r)), A(K::mul(s8.i, yb.r))))};
    const Cpx<T> s6 = {K::store(K::add(K::mul(s10.i, ya.i), K::mul(s9.i, yb.i))),
                       K::store(K::sub(K::neg(A(K::mul(s10.r, ya.i))), A(K::mul(s9.r, yb.i))))};
    *o1 = {K::store(K::sub(A(s5.r), A(s6.r))), K::store(K::sub(A(s5.i), A(s6.i)))};
    *o4 = {K::store(K::add(s5.r, s6.r)), K::store(K::add(s5.i, s6.i))};
    const Cpx<T> s11 = {K::store(K::add(K::add(s0.r, K::mul(s7.r, yb.r)), A(K::mul(s8.r, ya.r)))),
                        K::store(K::add(K::add(s0.i, K::mul(s7.i, yb.r)), A(K::mul(s8.i, ya.r))))};
    const Cpx<T> s12 = {K::store(K::add(K::neg(A(K::mul(s10.i, yb.i))), A(K::mul(s9.i, ya.i)))),
                        K::store(K::sub(A(K::mul(s10.r, yb.i)), A(K::mul(s9.r, ya.i))))};
    *o2 = {K::store(K::add(s11.r, s12.r)), K::store(K::add(s11.i, s12.i))};
    *o3 = {K::store(K::sub(A(s11.r), A(s12.r))), K::store(K::sub(A(s11.i), A(s12.i)))};
    ++o0;
    ++o1;
    ++o2;
    ++o3;
    ++o4;
  }
}

// One decimation-in-time stage per factor, as kf_work (in_stride 1).
template <typename T>
void work(Cpx<T>* out, const Cpx<T>* in, size_t fstride, const int32_t* factors, const Cpx<T>* tw) {
  const int p = factors[0];
  const int m = factors[1];
  if (m == 1) {
    for (int k = 0; k < p; ++k) out[k] = in[static_cast<size_t>(k) * fstride];
  } else {
    for (int k = 0; k < p; ++k)
      work(out + static_cast<size_t>(k) * m, in + static_cast<size_t>(k) * fstride,
           fstride * static_cast<size_t>(p), factors + 2, tw);
  }
  switch (p) {
    case 2:
      bfly2(out, fstride, tw, m);
      break;
    case 3:
      bfly3(out, fstride, tw, static_cast<size_t>(m));
      break;
    case 4:
      bfly4(out, fstride, tw, static_cast<size_t>(m));
      break;
    default:  // 5: the option parser admits no other factor
      bfly5(out, fstride, tw, m);
      break;
  }
}

}  // namespace

template <typename T>
RfftTables<T> make_rfft_tables(int32_t fft_length) {
  using K = Arith<T>;
  RfftTables<T> t;
  t.fft_length = fft_length;
  const int32_t n = fft_length / 2;
  // kf_factor: powers of 4, then 2, then odd numbers.
  int32_t rest = n;
  int32_t p = 4;
  const double floor_sqrt = std::floor(std::sqrt(static_cast<double>(n)));
  do {
    while (rest % p) {
      p = p == 4 ? 2 : p == 2 ? 3 : p + 2;
      if (p > floor_sqrt) p = rest;
    }
    rest /= p;
    t.factors.push_back(p);
    t.factors.push_back(rest);
  } while (rest > 1);
  // kiss_fft_alloc and kiss_fftr_alloc's phases (both constants are the double pi).
  const double pi = 3.141592653589793238462643383279502884197169399375105820974944;
  t.twiddles.resize(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    const double phase = -2 * pi * i / n;
    t.twiddles[static_cast<size_t>(i)] = {K::twiddle(std::cos(phase)), K::twiddle(std::sin(phase))};
  }
  t.super.resize(static_cast<size_t>(n / 2));
  for (int32_t i = 0; i < n / 2; ++i) {
    const double phase = -3.14159265358979323846264338327 * (static_cast<double>(i + 1) / n + .5);
    t.super[static_cast<size_t>(i)] = {K::twiddle(std::cos(phase)), K::twiddle(std::sin(phase))};
  }
  return t;
}

template <typename T>
void rfft(const RfftTables<T>& t, const T* in, RfftComplex<T>* scratch, T* out) {
  using K = Arith<T>;
  const int32_t n = t.fft_length / 2;
  // The samples taken in pairs as N/2 complex values (kiss_fftr's cast of timedata).
  const auto* pairs = reinterpret_cast<const Cpx<T>*>(in);
  work(scratch, pairs, 1, t.factors.data(), t.twiddles.data());
  auto* freq = reinterpret_cast<Cpx<T>*>(out);
  Cpx<T> dc = scratch[0];
  K::fixdiv(dc, 2);
  freq[0].r = K::store(K::add(dc.r, dc.i));
  freq[n].r = K::store(K::sub(dc.r, dc.i));
  freq[0].i = freq[n].i = T(0);
  for (int32_t k = 1; k <= n / 2; ++k) {
    Cpx<T> fpk = scratch[k];
    Cpx<T> fpnk = {scratch[n - k].r, K::store(K::neg(scratch[n - k].i))};
    K::fixdiv(fpk, 2);
    K::fixdiv(fpnk, 2);
    const Cpx<T> f1k = {K::store(K::add(fpk.r, fpnk.r)), K::store(K::add(fpk.i, fpnk.i))};
    const Cpx<T> f2k = {K::store(K::sub(fpk.r, fpnk.r)), K::store(K::sub(fpk.i, fpnk.i))};
    const Cpx<T> tw = K::cmul(f2k, t.super[static_cast<size_t>(k - 1)]);
    freq[k].r = K::half(K::add(f1k.r, tw.r));
    freq[k].i = K::half(K::add(f1k.i, tw.i));
    freq[n - k].r = K::half(K::sub(f1k.r, tw.r));
    freq[n - k].i = K::half(K::sub(tw.i, f1k.i));
  }
}

template RfftTables<int16_t> make_rfft_tables<int16_t>(int32_t);
template RfftTables<int32_t> make_rfft_tables<int32_t>(int32_t);
template RfftTables<float> make_rfft_tables<float>(int32_t);
template void rfft<int16_t>(const RfftTables<int16_t>&, const int16_t*, RfftComplex<int16_t>*,
                            int16_t*);
template void rfft<int32_t>(const RfftTables<int32_t>&, const int32_t*, RfftComplex<int32_t>*,
                            int32_t*);
template void rfft<float>(const RfftTables<float>&, const float*, RfftComplex<float>*, float*);

}  // namespace ref
}  // namespace nn
}  // namespace edge
