// Fused CPU kernel for one direction of one GRU layer: the time loop with each
// step's recurrent matmul and gate math fused by blocks of batch rows, and
// hand-written backpropagation through time with the weight gradients batched
// into large matmuls after the loop.
//
// Notation (per time step t, batch row b, hidden unit j), see grucast/nn/gru.py:
//   xg_t = W_i x_t + b_i            (T, B, 3H) precomputed outside, rows (r | z | n)
//   reset after the matmul (PyTorch, cuDNN, Keras reset_after=True):
//     gh = W_h h_{t-1} + b_h        (B, 3H)
//     r = sigma(xg_r + gh_r)   k = sigma(s * (xg_z + gh_z))
//     n = tanh(xg_n + r * gh_n)
//   reset before the matmul (Cho et al. 2014, Keras reset_after=False):
//     r, k as above from gh_rz = W_hrz h_{t-1} + b_hrz
//     n = tanh(xg_n + W_hn (r * h_{t-1}) + b_hn)
//   h_t = k * h_{t-1} + (1 - k) * n = n + k * (h_{t-1} - n)
// k is the fraction of the old state kept. s = +1 gives k = z (Cho et al. 2014,
// PyTorch); s = -1 gives k = sigma(-a) = 1 - z (Chung et al. 2014).
//
// Rows of the batch never interact: row b's state depends on row b's inputs only.
// So each thread takes a block of rows and runs the whole time loop over it, its
// step matmul (rows, H) @ (H, 3H) landing in a small buffer that the gate pass
// reads while it is still in cache. There is one parallel region per call, not
// two per step: threads never wait for each other inside the loop, which is what
// keeps several training processes on shared cores from stalling each other.
//
// The forward pass stores a cache (T, B, 4H) per step: (r | k | n | g) where g is
// gh_n (reset after) or r * h_{t-1} (reset before); backward needs nothing else.
// xg comes without b_i: the gate pass adds it, and backward sums the gradients of
// b_i and b_h as it makes them, instead of two more passes over (T, B, 3H).
//
// Types: T is the type of the gate math and the state (float or double); X that of
// the input projection xg and its gradient; M that of the matmul inputs. float64
// and float32 use one type throughout. Under bfloat16 autocast, xg arrives in
// bfloat16 and X = M = bfloat16: the matmuls read bfloat16 and accumulate and
// return float32 (MKL's bf16 GEMM; AMX or AVX512-BF16 where the processor has
// them), and the gate math and the state stay float32. A bfloat16 copy of the
// states (T, B, H) is kept for the next step's matmul and the weight gradient.

#include <torch/extension.h>
#include <ATen/Parallel.h>

#include <dlfcn.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace {

using bf16_t = uint16_t;  // bfloat16 storage

// ---------------------------------------------------------------- elementwise

// Activations. double uses libm (the float64 path is the reference path and must
// match torch to ~1e-15); float uses a branch-free exp that the compiler can
// vectorise, accurate to about one ulp on the range that matters.
template <typename T>
struct Act;

template <>
struct Act<double> {
  static inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
  static inline double tanh(double x) { return std::tanh(x); }
};

template <>
struct Act<float> {
  // exp(x) = 2^n * exp(f), n = round(x / ln 2), |f| <= ln(2) / 2, exp(f) by a
  // degree-7 Taylor polynomial (truncation error < 5e-9 relative on that range).
  static inline float exp(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    const float t = x * 1.44269504088896341f;
    // Round to nearest with the 1.5 * 2^23 trick: vectorises without SSE4.1.
    const float n = (t + 12582912.0f) - 12582912.0f;
    float f = x - n * 0.693359375f;  // ln 2 split in two for an exact product
    f = f + n * 2.12194440e-4f;
    float p = 1.0f / 5040.0f;
    p = p * f + 1.0f / 720.0f;
    p = p * f + 1.0f / 120.0f;
    p = p * f + 1.0f / 24.0f;
    p = p * f + 1.0f / 6.0f;
    p = p * f + 0.5f;
    p = p * f + 1.0f;
    p = p * f + 1.0f;
    const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof(scale));
    return p * scale;
  }
  static inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }
  static inline float tanh(float x) { return 1.0f - 2.0f / (1.0f + exp(2.0f * x)); }
};

// Loads and stores between a storage type and the math type. bfloat16 rounds to
// nearest even (NaN stays NaN), written with integer operations that vectorise.
template <typename S>
struct Conv {
  template <typename T>
  static inline T load(S v) { return static_cast<T>(v); }
  template <typename T>
  static inline S store(T v) { return static_cast<S>(v); }
};

template <>
struct Conv<bf16_t> {
  template <typename T>
  static inline T load(bf16_t v) {
    const std::uint32_t bits = static_cast<std::uint32_t>(v) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    return f;
  }
  template <typename T>
  static inline bf16_t store(T v) {
    const float f = static_cast<float>(v);
    std::uint32_t bits;
    std::memcpy(&bits, &f, sizeof(bits));
    const bool nan = (bits & 0x7fffffffu) > 0x7f800000u;
    const std::uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
    return static_cast<bf16_t>(nan ? ((bits >> 16) | 0x40u) : rounded);
  }
};

template <typename A, typename B>
constexpr bool kSame = std::is_same<A, B>::value;

// ---------------------------------------------------------------- matmuls
//
// C (m, n) = beta * C + op(A) @ op(B), all row-major with leading dimensions lda,
// ldb, ldc, op() a transpose where asked. Through BLAS (MKL in torch's x86 builds,
// looked up at run time in torch's library) when it is there, else through ATen.
// Inside a parallel region MKL runs on the calling thread alone.

using fgemm_t = void (*)(const char*, const char*, const int*, const int*, const int*, const float*,
                         const float*, const int*, const float*, const int*, const float*, float*,
                         const int*);
using dgemm_t = void (*)(const char*, const char*, const int*, const int*, const int*, const double*,
                         const double*, const int*, const double*, const int*, const double*, double*,
                         const int*);
using bgemm_t = void (*)(int, int, int, int, int, int, float, const bf16_t*, int, const bf16_t*, int,
                         float, float*, int);
using pack_size_t = size_t (*)(int, int, int, int);
using pack_t = void (*)(int, int, int, int, int, int, float, const float*, int, float*);
using compute_t = void (*)(int, int, int, int, int, int, const float*, int, const float*, int, float,
                           float*, int);
using set_threads_t = int (*)(int);

// CBLAS constants (MKL's values).
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112, kPacked = 151, kBMatrix = 162;

struct Blas {
  fgemm_t sgemm = nullptr;
  dgemm_t dgemm = nullptr;
  bgemm_t bf16gemm = nullptr;  // cblas_gemm_bf16bf16f32: bf16 in, fp32 out
  pack_size_t pack_size = nullptr;
  pack_t pack = nullptr;  // cblas_sgemm_pack / compute: a right operand packed once
  compute_t compute = nullptr;
  set_threads_t set_local = nullptr;  // MKL_Set_Num_Threads_Local

  static const Blas& get() {
    static const Blas blas = [] {
      Blas b;
      void* lib = dlopen("libtorch_cpu.so", RTLD_LAZY | RTLD_NOLOAD);
      if (lib != nullptr) {
        b.sgemm = reinterpret_cast<fgemm_t>(dlsym(lib, "sgemm_"));
        b.dgemm = reinterpret_cast<dgemm_t>(dlsym(lib, "dgemm_"));
        b.bf16gemm = reinterpret_cast<bgemm_t>(dlsym(lib, "cblas_gemm_bf16bf16f32"));
        b.pack_size = reinterpret_cast<pack_size_t>(dlsym(lib, "cblas_sgemm_pack_get_size"));
        b.pack = reinterpret_cast<pack_t>(dlsym(lib, "cblas_sgemm_pack"));
        b.compute = reinterpret_cast<compute_t>(dlsym(lib, "cblas_sgemm_compute"));
        b.set_local = reinterpret_cast<set_threads_t>(dlsym(lib, "MKL_Set_Num_Threads_Local"));
      }
      return b;
    }();
    return blas;
  }
  bool can_pack() const { return pack_size != nullptr && pack != nullptr && compute != nullptr; }
};

inline int blas_int(int64_t v) {
  TORCH_CHECK(v >= 0 && v < (int64_t{1} << 31), "gru kernel: matmul dimension too large for BLAS");
  return static_cast<int>(v);
}

// ATen fallback for float/double without a BLAS symbol.
template <typename T>
void gemm_aten(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* A, int64_t lda, const T* B,
               int64_t ldb, T beta, T* C, int64_t ldc) {
  const auto opts = at::TensorOptions().dtype(c10::CppTypeToScalarType<T>::value);
  auto view = [&](const T* p, int64_t rows, int64_t cols, int64_t ld, bool trans) {
    at::Tensor t = at::from_blob(const_cast<T*>(p), {trans ? cols : rows, trans ? rows : cols}, {ld, 1}, opts);
    return trans ? t.t() : t;
  };
  at::Tensor c = at::from_blob(C, {m, n}, {ldc, 1}, opts);
  at::Tensor prod = at::mm(view(A, m, k, lda, ta), view(B, k, n, ldb, tb));
  if (beta == T(0)) c.copy_(prod);
  else c.mul_(beta).add_(prod);
}

template <typename M, typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const M* A, int64_t lda, const M* B,
          int64_t ldb, T beta, T* C, int64_t ldc) {
  if (m == 0 || n == 0) return;
  const Blas& blas = Blas::get();
  if constexpr (kSame<M, bf16_t>) {
    static_assert(kSame<T, float>, "bf16 matmuls accumulate in float");
    TORCH_CHECK(blas.bf16gemm != nullptr, "gru kernel: no bf16 GEMM in this torch build");
    blas.bf16gemm(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, blas_int(m), blas_int(n),
                  blas_int(k), 1.0f, A, blas_int(lda), B, blas_int(ldb), beta, C, blas_int(ldc));
  } else {
    // Column-major BLAS computing C^T = op(B)^T op(A)^T on the same memory.
    const char* tra = tb ? "T" : "N";
    const char* trb = ta ? "T" : "N";
    const int mi = blas_int(n), ni = blas_int(m), ki = blas_int(k);
    const int la = blas_int(ldb), lb = blas_int(lda), lc = blas_int(ldc);
    const T one = 1;
    if constexpr (kSame<T, float>) {
      if (blas.sgemm != nullptr) return blas.sgemm(tra, trb, &mi, &ni, &ki, &one, B, &la, A, &lb, &beta, C, &lc);
    } else {
      if (blas.dgemm != nullptr) return blas.dgemm(tra, trb, &mi, &ni, &ki, &one, B, &la, A, &lb, &beta, C, &lc);
    }
    gemm_aten<T>(ta, tb, m, n, k, A, lda, B, ldb, beta, C, ldc);
  }
}

constexpr int64_t kMinPackedRows = 16;

// A step's right operand, op(W) (k, n), multiplied by many row blocks in a loop.
// In float32 with MKL it is packed once per call and per block height (MKL packs
// it on every call otherwise: at hidden 256 that copy cost as much as a tenth of a
// training step); elsewhere it is a plain gemm.
template <typename M, typename T>
class RightOperand {
 public:
  RightOperand(const M* w, int64_t ldw, bool trans, int64_t k, int64_t n, const std::vector<int64_t>& heights)
      : w_(w), ldw_(ldw), trans_(trans), k_(k), n_(n) {
    if constexpr (kSame<M, float>) {
      const Blas& blas = Blas::get();
      if (!blas.can_pack()) return;
      for (int64_t m : heights) {
        if (m < kMinPackedRows) continue;  // a few rows: MKL's own small-matrix path is faster
        const size_t bytes = blas.pack_size(kBMatrix, blas_int(m), blas_int(n), blas_int(k));
        packed_.emplace_back(m, std::vector<float>((bytes + sizeof(float) - 1) / sizeof(float)));
        blas.pack(kRowMajor, kBMatrix, trans ? kTrans : kNoTrans, blas_int(m), blas_int(n), blas_int(k), 1.0f,
                  w, blas_int(ldw), packed_.back().second.data());
      }
    }
  }

  // C (m, n) = beta * C + A (m, k) @ op(W)
  void times(int64_t m, const M* A, int64_t lda, T beta, T* C, int64_t ldc) const {
    if constexpr (kSame<M, float>) {
      for (const auto& entry : packed_) {
        if (entry.first == m) {
          return Blas::get().compute(kRowMajor, kNoTrans, kPacked, blas_int(m), blas_int(n_), blas_int(k_), A,
                                     blas_int(lda), entry.second.data(), blas_int(n_), beta, C, blas_int(ldc));
        }
      }
    }
    gemm<M, T>(false, trans_, m, n_, k_, A, lda, w_, ldw_, beta, C, ldc);
  }

 private:
  const M* w_;
  int64_t ldw_;
  bool trans_;
  int64_t k_, n_;
  std::vector<std::pair<int64_t, std::vector<float>>> packed_;
};

// ---------------------------------------------------------------- threads per shape
//
// Each thread runs the whole loop over its rows, so the only wait is at the end of
// the call. Calls too small to pay for waking a thread (a few hundred thousand
// multiply-adds in all) run on the calling thread, with MKL held to it too.

std::atomic<int64_t> g_serial_below{1 << 23};   // multiply-adds per call (~16 MFLOP)
std::atomic<int64_t> g_min_rows{16};           // rows per thread
std::atomic<int64_t> g_block_bytes{1 << 20};    // target size of a step's matmul output per block

struct Plan {
  int64_t batch;
  int64_t chunks;     // row ranges run in parallel, one per thread
  int64_t per_chunk;  // rows per range (the last may have fewer)
  int64_t block;      // rows per matmul within a range (the last of a range may have fewer)

  // The distinct matmul heights the loops will use.
  std::vector<int64_t> heights() const {
    std::vector<int64_t> out;
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t rows = std::min(batch, (c + 1) * per_chunk) - c * per_chunk;
      for (int64_t h : {std::min(block, rows), rows % block}) {
        if (h > 0 && std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
      }
    }
    return out;
  }
};

Plan plan_rows(int64_t batch, int64_t steps, int64_t hidden, int64_t out_cols, int64_t elem_bytes) {
  const int64_t macs = steps * batch * hidden * out_cols;
  int64_t chunks = 1;
  if (macs >= g_serial_below.load(std::memory_order_relaxed)) {
    const int64_t threads = at::get_num_threads();
    chunks = std::max<int64_t>(1, std::min<int64_t>(threads, batch / g_min_rows.load(std::memory_order_relaxed)));
  }
  const int64_t per_chunk = (batch + chunks - 1) / chunks;
  // Equal blocks of at most `fit` rows (at least 8, for the matmul's sake).
  const int64_t fit = std::max<int64_t>(
      8, g_block_bytes.load(std::memory_order_relaxed) / std::max<int64_t>(out_cols * elem_bytes, 1));
  const int64_t blocks = (per_chunk + fit - 1) / fit;
  return {batch, chunks, per_chunk, std::max<int64_t>(1, (per_chunk + blocks - 1) / blocks)};
}

// While it lives, MKL runs on this thread alone (when `on`): a call the plan runs
// on one thread must not wake MKL's threads for its packing or its matmuls.
class MklOnOneThread {
 public:
  explicit MklOnOneThread(bool on) : set_(on ? Blas::get().set_local : nullptr) {
    if (set_ != nullptr) previous_ = set_(1);
  }
  ~MklOnOneThread() {
    if (set_ != nullptr) set_(previous_);
  }
  MklOnOneThread(const MklOnOneThread&) = delete;
  MklOnOneThread& operator=(const MklOnOneThread&) = delete;

 private:
  set_threads_t set_;
  int previous_ = 0;
};

// Runs body(chunk, row_begin, row_end) for each range of rows, in parallel where
// the plan says so.
template <typename F>
void for_row_ranges(const Plan& plan, const F& body) {
  if (plan.chunks <= 1) {
    body(int64_t{0}, int64_t{0}, plan.batch);
    return;
  }
  at::parallel_for(0, plan.chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t b0 = c * plan.per_chunk, b1 = std::min(plan.batch, b0 + plan.per_chunk);
      if (b0 < b1) body(c, b0, b1);
    }
  });
}

// ---------------------------------------------------------------- per-row gate math
//
// One function per elementwise pass over one batch row of H units, kept out of
// line with restrict-qualified pointers so that each loop is vectorised once.
// Biases: bx (3H) is added to the pre-activations of r, z and n on the input side
// (b_i, plus b_h for r and z, and for n when the reset comes before the matmul);
// bn (H) is b_hn, inside the reset (reset after only).

#define GRU_ROW static __attribute__((noinline)) void
// The gate blocks of a row ([0, H), [H, 2H), ...) never overlap, but the compiler
// cannot know that x[j] and x[H + j] differ for every H and left these loops
// scalar; this tells it so.
#define GRU_UNITS _Pragma("GCC ivdep")

// reset after, for u units: pre-activations x_* (storage X) and g_* = W_h h (no
// bias), biases bx_* and bn (b_hn), previous state hp -> h_t; cache rows (r | k | n |
// gh_n) when kCache.
template <typename T, typename X, typename M, bool kCache>
GRU_ROW fwd_units_after(int64_t u, T s, const X* __restrict__ x_r, const X* __restrict__ x_z,
                        const X* __restrict__ x_n, const T* __restrict__ g_r, const T* __restrict__ g_z,
                        const T* __restrict__ g_n, const T* __restrict__ bx_r, const T* __restrict__ bx_z,
                        const T* __restrict__ bx_n, const T* __restrict__ bn, const T* __restrict__ hp,
                        T* __restrict__ o, M* __restrict__ om, T* __restrict__ c_r, T* __restrict__ c_k,
                        T* __restrict__ c_n, T* __restrict__ c_g) {
  for (int64_t j = 0; j < u; ++j) {
    const T r = Act<T>::sigmoid(Conv<X>::template load<T>(x_r[j]) + g_r[j] + bx_r[j]);
    const T k = Act<T>::sigmoid(s * (Conv<X>::template load<T>(x_z[j]) + g_z[j] + bx_z[j]));
    const T gn = g_n[j] + bn[j];
    const T n = Act<T>::tanh(Conv<X>::template load<T>(x_n[j]) + bx_n[j] + r * gn);
    const T h = n + k * (hp[j] - n);
    o[j] = h;
    if constexpr (!kSame<M, T>) om[j] = Conv<M>::store(h);
    if (kCache) {
      c_r[j] = r;
      c_k[j] = k;
      c_n[j] = n;
      c_g[j] = gn;
    }
  }
}

// reset after, one row of H units: x (3H), g = W_h h (3H), cache row c (4H).
template <typename T, typename X, typename M, bool kCache>
inline void fwd_row_after(int64_t H, T s, const X* x, const T* g, const T* bx, const T* bn, const T* hp, T* o,
                          M* om, T* c) {
  fwd_units_after<T, X, M, kCache>(H, s, x, x + H, x + 2 * H, g, g + H, g + 2 * H, bx, bx + H, bx + 2 * H, bn, hp,
                                   o, om, kCache ? c : nullptr, kCache ? c + H : nullptr,
                                   kCache ? c + 2 * H : nullptr, kCache ? c + 3 * H : nullptr);
}

// reset before, first pass: r, k from x and g = W_hrz h (2H); writes r * h (for
// the second matmul, in M) and k.
template <typename T, typename X, typename M, bool kCache>
GRU_ROW fwd_row_before_rz(int64_t H, T s, const X* __restrict__ x, const T* __restrict__ g,
                          const T* __restrict__ bx, const T* __restrict__ hp, M* __restrict__ rh,
                          T* __restrict__ keep, T* __restrict__ c) {
  GRU_UNITS for (int64_t j = 0; j < H; ++j) {
    const T r = Act<T>::sigmoid(Conv<X>::template load<T>(x[j]) + g[j] + bx[j]);
    const T k = Act<T>::sigmoid(s * (Conv<X>::template load<T>(x[H + j]) + g[H + j] + bx[H + j]));
    rh[j] = Conv<M>::store(r * hp[j]);
    keep[j] = k;
    if (kCache) {
      c[j] = r;
      c[H + j] = k;
    }
  }
}

// reset before, second pass: n from x_n and gn = W_hn (r * h) -> h_t.
template <typename T, typename X, typename M, bool kCache>
GRU_ROW fwd_row_before_n(int64_t H, const X* __restrict__ x, const T* __restrict__ gn,
                         const T* __restrict__ bx_n, const T* __restrict__ keep,
                         const T* __restrict__ hp, T* __restrict__ o, M* __restrict__ om,
                         T* __restrict__ c) {
  GRU_UNITS for (int64_t j = 0; j < H; ++j) {
    const T n = Act<T>::tanh(Conv<X>::template load<T>(x[2 * H + j]) + gn[j] + bx_n[j]);
    const T h = n + keep[j] * (hp[j] - n);
    o[j] = h;
    if constexpr (!kSame<M, T>) om[j] = Conv<M>::store(h);
    if (kCache) c[2 * H + j] = n;
  }
}

// ---------------------------------------------------------------- forward

// Where the forward pass reads and writes; pointers to row 0 of step 0.
template <typename T, typename X, typename M>
struct Fwd {
  int64_t steps, batch, H;
  T s;
  const X* xg;   // (T, B, 3H), without bias
  const T* h0;   // (B, H)
  const M* h0m;  // (B, H): h0 as the matmul reads it
  const M* w;    // (3H, H)
  const T* bx;   // (3H)
  const T* bn;   // (H)
  T* out;        // (T, B, H)
  M* outm;       // (T, B, H): out as the matmul reads it (out itself when M == T)
  T* cache;      // (T, B, 4H) or null
  M* rhm;        // reset before: (T, B, H) r * h as the matmul reads it, with ld rh_ld
  int64_t rh_ld;
};

template <typename T, typename X, typename M, bool kCache>
void forward_after(const Fwd<T, X, M>& f) {
  const int64_t B = f.batch, H = f.H, G = 3 * H;
  const Plan plan = plan_rows(B, f.steps, H, G, sizeof(T));
  const MklOnOneThread one_thread(plan.chunks <= 1);
  const RightOperand<M, T> w(f.w, H, /*trans=*/true, H, G, plan.heights());  // h @ W_h^T
  for_row_ranges(plan, [&](int64_t, int64_t r0, int64_t r1) {
    std::vector<T> gh(plan.block * G);
    for (int64_t b0 = r0; b0 < r1; b0 += plan.block) {
      const int64_t rows = std::min(plan.block, r1 - b0);
      for (int64_t t = 0; t < f.steps; ++t) {
        const T* hp = t == 0 ? f.h0 + b0 * H : f.out + ((t - 1) * B + b0) * H;
        const M* hpm = t == 0 ? f.h0m + b0 * H : f.outm + ((t - 1) * B + b0) * H;
        w.times(rows, hpm, H, T(0), gh.data(), G);  // (rows, H) @ (H, 3H)
        for (int64_t i = 0; i < rows; ++i) {
          const int64_t row = t * B + b0 + i;
          fwd_row_after<T, X, M, kCache>(H, f.s, f.xg + row * G, gh.data() + i * G, f.bx, f.bn, hp + i * H,
                                          f.out + row * H, f.outm + row * H,
                                          kCache ? f.cache + row * 4 * H : nullptr);
        }
      }
    }
  });
}

template <typename T, typename X, typename M, bool kCache>
void forward_before(const Fwd<T, X, M>& f) {
  const int64_t B = f.batch, H = f.H, G = 3 * H;
  const Plan plan = plan_rows(B, f.steps, H, G, sizeof(T));
  const MklOnOneThread one_thread(plan.chunks <= 1);
  const RightOperand<M, T> w_rz(f.w, H, true, H, 2 * H, plan.heights());       // h @ W_hrz^T
  const RightOperand<M, T> w_n(f.w + 2 * H * H, H, true, H, H, plan.heights());  // (r h) @ W_hn^T
  for_row_ranges(plan, [&](int64_t, int64_t r0, int64_t r1) {
    std::vector<T> g_rz(plan.block * 2 * H), g_n(plan.block * H), keep(plan.block * H);
    for (int64_t b0 = r0; b0 < r1; b0 += plan.block) {
      const int64_t rows = std::min(plan.block, r1 - b0);
      for (int64_t t = 0; t < f.steps; ++t) {
        const T* hp = t == 0 ? f.h0 + b0 * H : f.out + ((t - 1) * B + b0) * H;
        const M* hpm = t == 0 ? f.h0m + b0 * H : f.outm + ((t - 1) * B + b0) * H;
        M* rhm = f.rhm + (t * B + b0) * f.rh_ld;
        w_rz.times(rows, hpm, H, T(0), g_rz.data(), 2 * H);
        for (int64_t i = 0; i < rows; ++i) {
          const int64_t row = t * B + b0 + i;
          fwd_row_before_rz<T, X, M, kCache>(H, f.s, f.xg + row * G, g_rz.data() + i * 2 * H, f.bx, hp + i * H,
                                              rhm + i * f.rh_ld, keep.data() + i * H,
                                              kCache ? f.cache + row * 4 * H : nullptr);
        }
        w_n.times(rows, rhm, f.rh_ld, T(0), g_n.data(), H);
        for (int64_t i = 0; i < rows; ++i) {
          const int64_t row = t * B + b0 + i;
          fwd_row_before_n<T, X, M, kCache>(H, f.xg + row * G, g_n.data() + i * H, f.bx + 2 * H,
                                             keep.data() + i * H, hp + i * H, f.out + row * H,
                                             f.outm + row * H, kCache ? f.cache + row * 4 * H : nullptr);
        }
      }
    }
  });
}

// ---------------------------------------------------------------- small batches
//
// A few rows (batch-1 inference) leave nothing to split by rows, and each step's
// matmul is then a matrix-vector product bound by reading W_h from cache (768 KiB
// at hidden 256 in float32). Split by hidden units instead: each thread keeps its
// units' rows of W_h (its share of the bytes, in its own cache), computes their
// gates, and the threads meet once per step, when the new state is complete. The
// meeting spins briefly, then yields, so that a thread descheduled on a busy
// machine costs its partner a time slice at most. Inference only (no cache kept),
// reset after the matmul.

std::atomic<int64_t> g_split_bytes{256 << 10};  // bytes of W_h from which small batches split by units

class SpinBarrier {
 public:
  explicit SpinBarrier(int parties) : parties_(parties) {}
  void wait() {
    const int phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == parties_ - 1) {
      arrived_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
      return;
    }
    for (int spins = 0; phase_.load(std::memory_order_acquire) == phase; ++spins) {
      if (spins < 512) _mm_pause();
      else std::this_thread::yield();
    }
  }

 private:
  const int parties_;
  std::atomic<int> arrived_{0};
  std::atomic<int> phase_{0};
};

bool split_by_units(int64_t batch, int64_t H, int64_t m_bytes) {
  return batch < 2 * g_min_rows.load(std::memory_order_relaxed) && at::get_num_threads() > 1 &&
         !at::in_parallel_region() && 3 * H * H * m_bytes >= g_split_bytes.load(std::memory_order_relaxed) &&
         H >= 32;
}

template <typename T, typename X, typename M>
void forward_after_units(const Fwd<T, X, M>& f) {
  const int64_t B = f.batch, H = f.H, G = 3 * H;
  const int wanted = static_cast<int>(std::min<int64_t>(at::get_num_threads(), H / 16));
  std::unique_ptr<SpinBarrier> barrier;
#pragma omp parallel num_threads(wanted)
  {
    const int team = omp_get_num_threads(), tid = omp_get_thread_num();
#pragma omp single
    barrier = std::make_unique<SpinBarrier>(team);  // the implicit barrier after single publishes it
    // This thread's units [j0, j1), in multiples of 16 (no shared cache lines).
    const int64_t per = ((H + team - 1) / team + 15) / 16 * 16;
    const int64_t j0 = std::min<int64_t>(H, tid * per), j1 = std::min<int64_t>(H, j0 + per), u = j1 - j0;
    // Its rows of W_h, gates stacked (r | z | n): (3u, H).
    std::vector<M> w(3 * u * H);
    for (int64_t gate = 0; gate < 3; ++gate)
      std::memcpy(w.data() + gate * u * H, f.w + (gate * H + j0) * H, u * H * sizeof(M));
    std::vector<T> gh(B * 3 * u);
    for (int64_t t = 0; t < f.steps; ++t) {
      const T* hp = t == 0 ? f.h0 : f.out + (t - 1) * B * H;
      const M* hpm = t == 0 ? f.h0m : f.outm + (t - 1) * B * H;
      if (u > 0) {
        gemm<M, T>(false, true, B, 3 * u, H, hpm, H, w.data(), H, T(0), gh.data(), 3 * u);
        for (int64_t b = 0; b < B; ++b) {
          const int64_t row = t * B + b;
          const X* x = f.xg + row * G + j0;
          const T* g = gh.data() + b * 3 * u;
          fwd_units_after<T, X, M, false>(u, f.s, x, x + H, x + 2 * H, g, g + u, g + 2 * u, f.bx + j0,
                                           f.bx + H + j0, f.bx + 2 * H + j0, f.bn + j0, hp + b * H + j0,
                                           f.out + row * H + j0, f.outm + row * H + j0, nullptr, nullptr,
                                           nullptr, nullptr);
        }
      }
      barrier->wait();  // the state of step t is complete
    }
  }
}

// --------------------------------------------------------------- backward
//
// With dh the gradient reaching h_t (from above, d_out[t], plus from step t+1):
//   dn = dh (1 - k)          dk = dh (h_{t-1} - n)       dh_{t-1} <- dh k
//   da_n = dn (1 - n^2)      da_z = s dk k (1 - k)
// reset after:  dgh_n = da_n r,  dr = da_n gh_n,  da_r = dr r (1 - r)
//               dh_{t-1} += [da_r | da_z | dgh_n] @ W_h
// reset before: d(rh) = da_n @ W_hn,  dr = d(rh) h_{t-1},  da_r = dr r (1 - r)
//               dh_{t-1} += d(rh) r + [da_r | da_z] @ W_hrz
// dxg_t = [da_r | da_z | da_n]. The weight gradients sum over steps after the loop:
// dW_h = sum_t [da_r | da_z | g_t]^T h_{t-1} with g_t = da_n r (reset after; kept as
// dgn), or [da_r | da_z]^T h_{t-1} and da_n^T (r h_{t-1}) (reset before). The bias
// gradients (sums of the same rows over batch and steps) are summed as the rows are
// made: db_i = sum dxg; db_h = sum [da_r | da_z | da_n r] (reset after) or db_i.

// reset after: cache row c = (r | k | n | gh_n). Writes dxg (X), dgh (M, for the
// step matmul), dgn = da_n r (M, for the weight gradient) and dh k; adds
// [da_r | da_z | da_n | da_n r] to acc (4H).
template <typename T, typename X, typename M, bool kDout>
GRU_ROW bwd_row_after(int64_t H, T s, const T* __restrict__ c, const T* __restrict__ hp,
                      const T* __restrict__ dh, const T* __restrict__ dout, X* __restrict__ dx,
                      M* __restrict__ dg, M* __restrict__ dgn, T* __restrict__ dkeep, T* __restrict__ acc) {
  GRU_UNITS for (int64_t j = 0; j < H; ++j) {
    const T r = c[j], k = c[H + j], n = c[2 * H + j], gn = c[3 * H + j];
    const T d = kDout ? dh[j] + dout[j] : dh[j];
    const T dan = d * (T(1) - k) * (T(1) - n * n);
    const T daz = s * d * (hp[j] - n) * k * (T(1) - k);
    const T dar = dan * gn * r * (T(1) - r);
    const T dgnr = dan * r;
    dx[j] = Conv<X>::store(dar);
    dx[H + j] = Conv<X>::store(daz);
    dx[2 * H + j] = Conv<X>::store(dan);
    dg[j] = Conv<M>::store(dar);
    dg[H + j] = Conv<M>::store(daz);
    dg[2 * H + j] = Conv<M>::store(dgnr);
    dgn[j] = Conv<M>::store(dgnr);
    dkeep[j] = d * k;
    acc[j] += dar;
    acc[H + j] += daz;
    acc[2 * H + j] += dan;
    acc[3 * H + j] += dgnr;
  }
}

// reset before, first pass: da_z, da_n into dx and dg (dg's n block feeds the
// d(rh) matmul), dh k into dkeep; adds da_z, da_n to acc.
template <typename T, typename X, typename M, bool kDout>
GRU_ROW bwd_row_before_zn(int64_t H, T s, const T* __restrict__ c, const T* __restrict__ hp,
                          const T* __restrict__ dh, const T* __restrict__ dout, X* __restrict__ dx,
                          M* __restrict__ dg, T* __restrict__ dkeep, T* __restrict__ acc) {
  GRU_UNITS for (int64_t j = 0; j < H; ++j) {
    const T k = c[H + j], n = c[2 * H + j];
    const T d = kDout ? dh[j] + dout[j] : dh[j];
    const T daz = s * d * (hp[j] - n) * k * (T(1) - k);
    const T dan = d * (T(1) - k) * (T(1) - n * n);
    dx[H + j] = Conv<X>::store(daz);
    dx[2 * H + j] = Conv<X>::store(dan);
    dg[H + j] = Conv<M>::store(daz);
    dg[2 * H + j] = Conv<M>::store(dan);
    dkeep[j] = d * k;
    acc[H + j] += daz;
    acc[2 * H + j] += dan;
  }
}

// reset before, second pass: from d(rh) = da_n @ W_hn, da_r into dx, dg and acc,
// and d(rh) r into dkeep.
template <typename T, typename X, typename M>
GRU_ROW bwd_row_before_r(int64_t H, const T* __restrict__ c, const T* __restrict__ hp,
                         const T* __restrict__ drh, X* __restrict__ dx, M* __restrict__ dg,
                         T* __restrict__ dkeep, T* __restrict__ acc) {
  GRU_UNITS for (int64_t j = 0; j < H; ++j) {
    const T r = c[j];
    const T dar = drh[j] * hp[j] * r * (T(1) - r);
    dx[j] = Conv<X>::store(dar);
    dg[j] = Conv<M>::store(dar);
    dkeep[j] += drh[j] * r;
    acc[j] += dar;
  }
}

template <typename T, typename X, typename M>
struct Bwd {
  int64_t steps, batch, H;
  T s;
  const T* dout;   // (T, B, H) or null: no gradient reaches the outputs
  const T* d_hn;   // (B, H)
  const T* h0;     // (B, H)
  const M* w;      // (3H, H)
  const T* out;    // (T, B, H)
  const T* cache;  // (T, B, 4H)
  X* dxg;          // (T, B, 3H)
  M* dgn;          // reset after: (T, B, H)
  T* dh0;          // (B, H)
};

// Bias-gradient sums: each step's block of rows is summed in T (a few hundred
// rows), then added to the range's running sum in double; ranges add up at the end.
struct BiasSums {
  int64_t width;
  std::vector<std::vector<double>> per_chunk;
  BiasSums(int64_t chunks, int64_t width) : width(width), per_chunk(chunks, std::vector<double>(width, 0.0)) {}
  template <typename T>
  void add(int64_t chunk, std::vector<T>& step_sum) {
    std::vector<double>& total = per_chunk[chunk];
    for (int64_t j = 0; j < width; ++j) {
      total[j] += static_cast<double>(step_sum[j]);
      step_sum[j] = T(0);
    }
  }
  std::vector<double> total() const {
    std::vector<double> sum(width, 0.0);
    for (const auto& part : per_chunk)
      for (int64_t j = 0; j < width; ++j) sum[j] += part[j];
    return sum;
  }
};

template <typename T, typename X, typename M, bool kDout>
void backward_after(const Bwd<T, X, M>& f, BiasSums& sums) {
  const int64_t B = f.batch, H = f.H, G = 3 * H;
  const Plan plan = plan_rows(B, f.steps, H, G, sizeof(T));
  const MklOnOneThread one_thread(plan.chunks <= 1);
  const RightOperand<M, T> w(f.w, H, /*trans=*/false, G, H, plan.heights());  // dgh @ W_h
  sums = BiasSums(plan.chunks, 4 * H);
  for_row_ranges(plan, [&](int64_t chunk, int64_t r0, int64_t r1) {
    std::vector<M> dg(plan.block * G);
    std::vector<T> dh(plan.block * H), dnext(plan.block * H), acc(4 * H, T(0));
    for (int64_t b0 = r0; b0 < r1; b0 += plan.block) {
      const int64_t rows = std::min(plan.block, r1 - b0);
      std::memcpy(dh.data(), f.d_hn + b0 * H, rows * H * sizeof(T));
      for (int64_t t = f.steps - 1; t >= 0; --t) {
        const T* hp = t == 0 ? f.h0 + b0 * H : f.out + ((t - 1) * B + b0) * H;
        for (int64_t i = 0; i < rows; ++i) {
          const int64_t row = t * B + b0 + i;
          bwd_row_after<T, X, M, kDout>(H, f.s, f.cache + row * 4 * H, hp + i * H, dh.data() + i * H,
                                        kDout ? f.dout + row * H : nullptr, f.dxg + row * G, dg.data() + i * G,
                                        f.dgn + row * H, dnext.data() + i * H, acc.data());
        }
        sums.add(chunk, acc);
        w.times(rows, dg.data(), G, T(1), dnext.data(), H);  // dh_{t-1} = dh k + dgh @ W_h
        std::swap(dh, dnext);
      }
      std::memcpy(f.dh0 + b0 * H, dh.data(), rows * H * sizeof(T));
    }
  });
}

template <typename T, typename X, typename M, bool kDout>
void backward_before(const Bwd<T, X, M>& f, BiasSums& sums) {
  const int64_t B = f.batch, H = f.H, G = 3 * H;
  const Plan plan = plan_rows(B, f.steps, H, G, sizeof(T));
  const MklOnOneThread one_thread(plan.chunks <= 1);
  const RightOperand<M, T> w_n(f.w + 2 * H * H, H, false, H, H, plan.heights());  // da_n @ W_hn
  const RightOperand<M, T> w_rz(f.w, H, false, 2 * H, H, plan.heights());         // [da_r | da_z] @ W_hrz
  sums = BiasSums(plan.chunks, 3 * H);
  for_row_ranges(plan, [&](int64_t chunk, int64_t r0, int64_t r1) {
    std::vector<M> dg(plan.block * G);
    std::vector<T> dh(plan.block * H), dnext(plan.block * H), drh(plan.block * H), acc(3 * H, T(0));
    for (int64_t b0 = r0; b0 < r1; b0 += plan.block) {
      const int64_t rows = std::min(plan.block, r1 - b0);
      std::memcpy(dh.data(), f.d_hn + b0 * H, rows * H * sizeof(T));
      for (int64_t t = f.steps - 1; t >= 0; --t) {
        const T* hp = t == 0 ? f.h0 + b0 * H : f.out + ((t - 1) * B + b0) * H;
        for (int64_t i = 0; i < rows; ++i) {
          const int64_t row = t * B + b0 + i;
          bwd_row_before_zn<T, X, M, kDout>(H, f.s, f.cache + row * 4 * H, hp + i * H, dh.data() + i * H,
                                            kDout ? f.dout + row * H : nullptr, f.dxg + row * G,
                                            dg.data() + i * G, dnext.data() + i * H, acc.data());
        }
        w_n.times(rows, dg.data() + 2 * H, G, T(0), drh.data(), H);  // d(rh) = da_n @ W_hn
        for (int64_t i = 0; i < rows; ++i) {
          const int64_t row = t * B + b0 + i;
          bwd_row_before_r<T, X, M>(H, f.cache + row * 4 * H, hp + i * H, drh.data() + i * H, f.dxg + row * G,
                                    dg.data() + i * G, dnext.data() + i * H, acc.data());
        }
        sums.add(chunk, acc);
        w_rz.times(rows, dg.data(), G, T(1), dnext.data(), H);  // dh_{t-1} += [da_r | da_z] @ W_hrz
        std::swap(dh, dnext);
      }
      std::memcpy(f.dh0 + b0 * H, dh.data(), rows * H * sizeof(T));
    }
  });
}

// Sum over steps of a_t^T h_{t-1} (a: `cols` columns with row stride lda): one
// matmul for step 0 (h0) and one for the rest (h_{t-1} = out[t-1]).
template <typename M, typename T>
void weight_grad(int64_t steps, int64_t B, int64_t H, const M* a, int64_t lda, int64_t cols, const M* h0,
                 const M* hprev, int64_t ld_h, T* dw) {
  gemm<M, T>(true, false, cols, H, B, a, lda, h0, H, T(0), dw, H);
  if (steps > 1) gemm<M, T>(true, false, cols, H, (steps - 1) * B, a + B * lda, lda, hprev, ld_h, T(1), dw, H);
}

// ---------------------------------------------------------------- entry points

bool bf16_matmuls_available() { return Blas::get().bf16gemm != nullptr; }

// The kernel's own contract, checked on entry to forward (here) and backward
// (check_backward_inputs). The Python side validates user input; these catch a
// caller that breaks the contract before any pointer arithmetic relies on it.
void check_inputs(const at::Tensor& xg, const at::Tensor& h0, const at::Tensor& w_hh, const at::Tensor& b_hh,
                  const at::Tensor& b_ih) {
  TORCH_CHECK(xg.dim() == 3 && h0.dim() == 2, "gru kernel: xg must be (T, B, 3H), h0 (B, H)");
  const int64_t H = h0.size(1);
  TORCH_CHECK(xg.size(2) == 3 * H && xg.size(1) == h0.size(0), "gru kernel: shape mismatch");
  TORCH_CHECK(w_hh.dim() == 2 && w_hh.size(0) == 3 * H && w_hh.size(1) == H && b_hh.numel() == 3 * H &&
                  b_ih.numel() == 3 * H,
              "gru kernel: weight shape mismatch");
  TORCH_CHECK(xg.is_contiguous() && h0.is_contiguous() && w_hh.is_contiguous() && b_hh.is_contiguous() &&
                  b_ih.is_contiguous(),
              "gru kernel: inputs must be contiguous");
  const auto state = h0.scalar_type();
  TORCH_CHECK(state == at::kFloat || state == at::kDouble, "gru kernel: the state must be float32 or float64");
  TORCH_CHECK(w_hh.scalar_type() == state && b_hh.scalar_type() == state && b_ih.scalar_type() == state,
              "gru kernel: all tensors must share one dtype");
  TORCH_CHECK(xg.scalar_type() == state || (state == at::kFloat && xg.scalar_type() == at::kBFloat16),
              "gru kernel: all tensors must share one dtype (or xg bfloat16 with a float32 state)");
  TORCH_CHECK(xg.scalar_type() != at::kBFloat16 || bf16_matmuls_available(),
              "gru kernel: bfloat16 input needs a bf16 GEMM, which this torch build lacks");
}

template <typename T, typename X, typename M>
std::vector<at::Tensor> forward_typed(const at::Tensor& xg, const at::Tensor& h0, const at::Tensor& w_hh,
                                      const at::Tensor& b_hh, const at::Tensor& b_ih, bool reset_after,
                                      double sign, bool keep_cache) {
  const int64_t steps = xg.size(0), batch = xg.size(1), H = h0.size(1);
  const auto opts = h0.options();
  at::Tensor out = at::empty({steps, batch, H}, opts);
  at::Tensor cache = keep_cache ? at::empty({steps, batch, 4 * H}, opts) : at::Tensor();
  constexpr bool kMixed = !kSame<M, T>;
  const auto mopts = opts.dtype(kMixed ? at::kBFloat16 : opts.dtype().toScalarType());
  // Matmul copies: in bf16 the weights, h0 and every state; in T the tensors themselves.
  const at::Tensor w_m = kMixed ? w_hh.to(at::kBFloat16) : w_hh;
  const at::Tensor h0_m = kMixed ? h0.to(at::kBFloat16) : h0;
  at::Tensor out_m = kMixed ? at::empty({steps, batch, H}, mopts) : out;
  // Biases as the gate passes add them (see the row functions).
  at::Tensor bx = b_ih.clone();
  at::Tensor bn = reset_after ? b_hh.narrow(0, 2 * H, H).contiguous() : at::zeros({H}, opts);
  bx.narrow(0, 0, reset_after ? 2 * H : 3 * H).add_(b_hh.narrow(0, 0, reset_after ? 2 * H : 3 * H));
  // reset before: r * h as the matmul reads it; in the cache's 4th block when it is
  // kept in T, else a buffer of its own.
  at::Tensor rh_m;
  int64_t rh_ld = H;
  if (!reset_after) {
    if (keep_cache && !kMixed) {
      rh_m = cache.narrow(2, 3 * H, H);
      rh_ld = 4 * H;
    } else {
      rh_m = at::empty({steps, batch, H}, mopts);
    }
  }
  Fwd<T, X, M> f{steps,
                 batch,
                 H,
                 static_cast<T>(sign),
                 reinterpret_cast<const X*>(xg.data_ptr()),
                 h0.data_ptr<T>(),
                 reinterpret_cast<const M*>(h0_m.data_ptr()),
                 reinterpret_cast<const M*>(w_m.data_ptr()),
                 bx.data_ptr<T>(),
                 bn.data_ptr<T>(),
                 out.data_ptr<T>(),
                 reinterpret_cast<M*>(out_m.data_ptr()),
                 keep_cache ? cache.data_ptr<T>() : nullptr,
                 rh_m.defined() ? reinterpret_cast<M*>(rh_m.data_ptr()) : nullptr,
                 rh_ld};
  if (reset_after) {
    if (keep_cache) forward_after<T, X, M, true>(f);
    else if (split_by_units(batch, H, sizeof(M))) forward_after_units<T, X, M>(f);
    else forward_after<T, X, M, false>(f);
  } else {
    keep_cache ? forward_before<T, X, M, true>(f) : forward_before<T, X, M, false>(f);
  }
  // Then what backward's weight gradient reads in bf16 besides the cache: the states
  // and, reset before, r * h. Empty tensors where there is nothing to keep.
  const at::Tensor none = at::empty({0}, opts);
  return {out, keep_cache ? cache : none, kMixed ? out_m : none, kMixed && !reset_after ? rh_m : none};
}

std::vector<at::Tensor> gru_forward(const at::Tensor& xg, const at::Tensor& h0, const at::Tensor& w_hh,
                                    const at::Tensor& b_hh, const at::Tensor& b_ih, bool reset_after, double sign,
                                    bool keep_cache) {
  check_inputs(xg, h0, w_hh, b_hh, b_ih);
  if (h0.scalar_type() == at::kDouble)
    return forward_typed<double, double, double>(xg, h0, w_hh, b_hh, b_ih, reset_after, sign, keep_cache);
  if (xg.scalar_type() == at::kBFloat16)
    return forward_typed<float, bf16_t, bf16_t>(xg, h0, w_hh, b_hh, b_ih, reset_after, sign, keep_cache);
  return forward_typed<float, float, float>(xg, h0, w_hh, b_hh, b_ih, reset_after, sign, keep_cache);
}

// Backward reads out, cache and h0 through raw pointers: their shapes, dtype and
// layout must be those forward produced.
void check_backward_inputs(const at::Tensor& d_out, const at::Tensor& d_hn, const at::Tensor& h0,
                           const at::Tensor& w_hh, const at::Tensor& out, const at::Tensor& cache,
                           at::ScalarType xg_type) {
  TORCH_CHECK(out.dim() == 3 && out.size(0) > 0, "gru kernel backward: out must be (T, B, H)");
  const int64_t steps = out.size(0), batch = out.size(1), H = out.size(2);
  TORCH_CHECK(h0.dim() == 2 && h0.size(0) == batch && h0.size(1) == H,
              "gru kernel backward: h0 must be (B, H) as out");
  TORCH_CHECK(cache.dim() == 3 && cache.size(0) == steps && cache.size(1) == batch && cache.size(2) == 4 * H,
              "gru kernel backward: cache must be (T, B, 4H), as forward returned it");
  TORCH_CHECK(w_hh.dim() == 2 && w_hh.size(0) == 3 * H && w_hh.size(1) == H,
              "gru kernel backward: weight_hh must be (3H, H)");
  TORCH_CHECK(d_hn.sizes() == h0.sizes(), "gru kernel backward: the last state's gradient must be (B, H)");
  TORCH_CHECK(d_out.numel() == 0 || d_out.sizes() == out.sizes(),
              "gru kernel backward: the outputs' gradient must be empty or (T, B, H)");
  TORCH_CHECK(out.is_contiguous() && cache.is_contiguous() && h0.is_contiguous() && w_hh.is_contiguous(),
              "gru kernel backward: out, cache, h0 and weight_hh must be contiguous");
  for (const at::Tensor* t : {&d_out, &d_hn, &h0, &w_hh, &cache}) {
    TORCH_CHECK(t->numel() == 0 || t->scalar_type() == out.scalar_type(),
                "gru kernel backward: all tensors must share one dtype");
  }
  TORCH_CHECK(xg_type == out.scalar_type() || (xg_type == at::kBFloat16 && out.scalar_type() == at::kFloat),
              "gru kernel backward: xg's dtype must be the state's, or bfloat16 with a float32 state");
}

template <typename T, typename X, typename M>
std::vector<at::Tensor> backward_typed(const at::Tensor& d_out, const at::Tensor& d_hn, const at::Tensor& h0,
                                       const at::Tensor& w_hh, const at::Tensor& out, const at::Tensor& cache,
                                       const at::Tensor& aux_out, const at::Tensor& aux_rh, bool reset_after,
                                       double sign, at::ScalarType xg_type) {
  const int64_t steps = out.size(0), batch = out.size(1), H = out.size(2), G = 3 * H;
  constexpr bool kMixed = !kSame<M, T>;
  const auto opts = out.options();
  const auto mopts = opts.dtype(kMixed ? at::kBFloat16 : opts.dtype().toScalarType());
  at::Tensor dxg = at::empty({steps, batch, G}, opts.dtype(xg_type));
  at::Tensor dgn = reset_after ? at::empty({steps, batch, H}, mopts) : at::Tensor();
  at::Tensor dh0 = at::empty({batch, H}, opts);
  const at::Tensor w_m = kMixed ? w_hh.to(at::kBFloat16) : w_hh;
  Bwd<T, X, M> f{steps,
                 batch,
                 H,
                 static_cast<T>(sign),
                 d_out.defined() ? d_out.data_ptr<T>() : nullptr,
                 d_hn.data_ptr<T>(),
                 h0.data_ptr<T>(),
                 reinterpret_cast<const M*>(w_m.data_ptr()),
                 out.data_ptr<T>(),
                 cache.data_ptr<T>(),
                 reinterpret_cast<X*>(dxg.data_ptr()),
                 reset_after ? reinterpret_cast<M*>(dgn.data_ptr()) : nullptr,
                 dh0.data_ptr<T>()};
  const bool has_dout = d_out.defined();
  BiasSums sums(0, 0);
  if (reset_after) {
    has_dout ? backward_after<T, X, M, true>(f, sums) : backward_after<T, X, M, false>(f, sums);
  } else {
    has_dout ? backward_before<T, X, M, true>(f, sums) : backward_before<T, X, M, false>(f, sums);
  }
  // Bias gradients from the sums: db_i = sum [da_r | da_z | da_n]; db_h the same
  // with da_n r for da_n when the reset comes after the matmul.
  const std::vector<double> total = sums.total();
  at::Tensor db_ih = at::empty({G}, opts), db_hh = at::empty({G}, opts);
  T* dbi = db_ih.data_ptr<T>();
  T* dbh = db_hh.data_ptr<T>();
  for (int64_t j = 0; j < G; ++j) {
    dbi[j] = static_cast<T>(total[j]);
    dbh[j] = static_cast<T>(reset_after && j >= 2 * H ? total[H + j] : total[j]);
  }
  // Weight gradient, summed over steps (h_{t-1} for t >= 1 is out[t-1]).
  const at::Tensor h0_m = kMixed ? h0.to(at::kBFloat16) : h0;
  const M* h0p = reinterpret_cast<const M*>(h0_m.data_ptr());
  const M* outp = reinterpret_cast<const M*>(kMixed ? aux_out.data_ptr() : out.data_ptr());
  at::Tensor dw = at::empty({G, H}, opts);
  T* dwp = dw.data_ptr<T>();
  const M* dxg_m = reinterpret_cast<const M*>(dxg.data_ptr());  // X == M
  weight_grad<M, T>(steps, batch, H, dxg_m, G, 2 * H, h0p, outp, H, dwp);
  if (reset_after) {
    weight_grad<M, T>(steps, batch, H, reinterpret_cast<const M*>(dgn.data_ptr()), H, H, h0p, outp, H,
                      dwp + 2 * H * H);
  } else {
    // dW_hn = sum_t da_n^T (r h_{t-1})
    const M* rh = kMixed ? reinterpret_cast<const M*>(aux_rh.data_ptr())
                         : reinterpret_cast<const M*>(cache.data_ptr()) + 3 * H;
    const int64_t ld_rh = kMixed ? H : 4 * H;
    gemm<M, T>(true, false, H, H, steps * batch, dxg_m + 2 * H, G, rh, ld_rh, T(0), dwp + 2 * H * H, H);
  }
  return {dxg, dh0, dw, db_hh, db_ih};
}

std::vector<at::Tensor> gru_backward(const at::Tensor& d_out_in, const at::Tensor& d_hn, const at::Tensor& h0,
                                     const at::Tensor& w_hh, const at::Tensor& out, const at::Tensor& cache,
                                     const std::vector<at::Tensor>& aux, bool reset_after, double sign,
                                     bool xg_bf16) {
  const at::ScalarType xg_type = xg_bf16 ? at::kBFloat16 : out.scalar_type();
  check_backward_inputs(d_out_in, d_hn, h0, w_hh, out, cache, xg_type);
  // An empty d_out means no gradient reaches the outputs (the top layer of a
  // forecaster reads only the last state): it is then never read.
  const at::Tensor d_out = d_out_in.numel() > 0 ? d_out_in.contiguous() : at::Tensor();
  const at::Tensor dhn = d_hn.contiguous();
  if (out.scalar_type() == at::kDouble)
    return backward_typed<double, double, double>(d_out, dhn, h0, w_hh, out, cache, {}, {}, reset_after, sign,
                                                  xg_type);
  if (xg_bf16) {
    TORCH_CHECK(aux.size() == 2 && aux[0].sizes() == out.sizes() && aux[0].scalar_type() == at::kBFloat16 &&
                    (reset_after || aux[1].sizes() == out.sizes()),
                "gru kernel backward: bfloat16 needs the copies forward returned");
    return backward_typed<float, bf16_t, bf16_t>(d_out, dhn, h0, w_hh, out, cache, aux[0], aux[1], reset_after,
                                                 sign, xg_type);
  }
  return backward_typed<float, float, float>(d_out, dhn, h0, w_hh, out, cache, {}, {}, reset_after, sign,
                                             xg_type);
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("forward", &gru_forward,
        "GRU layer forward, one direction (CPU): (xg, h0, w_hh, b_hh, b_ih, reset_after, sign, keep_cache) "
        "-> (out, cache, states_bf16, rh_bf16)");
  m.def("backward", &gru_backward,
        "GRU layer backward through time, one direction (CPU) -> (d_xg, d_h0, d_w_hh, d_b_hh, d_b_ih)");
  m.def("bf16_matmuls_available", &bf16_matmuls_available,
        "Whether this torch build carries a bf16 GEMM with float32 output (MKL)");
  m.def("set_plan",
        [](int64_t serial_below, int64_t min_rows, int64_t block_bytes) {
          g_serial_below = serial_below;
          g_min_rows = std::max<int64_t>(min_rows, 1);
          g_block_bytes = std::max<int64_t>(block_bytes, 1);
        },
        "Threads per shape: multiply-adds per call below which one thread runs it, rows per thread at "
        "least, bytes of a step's matmul output per block");
  m.def("set_split_bytes", [](int64_t bytes) { g_split_bytes = bytes; },
        "Bytes of W_h from which batches of a few rows split by hidden units over threads (inference)");
}
