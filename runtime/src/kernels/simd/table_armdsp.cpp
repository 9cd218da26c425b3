// The "armdsp" table for Cortex-M cores with the DSP extension (M4F, M7):
// the reference kernels with the int8 linear layers, quantize_rows and
// attention (cortex_m_attention.h, float32 caches) replaced; int4 layers on
// the same instructions (below). The int8 layers are the one driver (qs8_driver.h) over SMLAD
// microkernels: SXTB16 sign-extends bytes 0 and 2 of a word into two int16
// halves (SXTB16 of the word rotated by 8, bytes 1 and 3), and SMLAD adds both
// halves' products to an int32 accumulator. Every product (|a * b| <= 2^14)
// and sum is exact in int32, so the sums equal the reference's and the
// driver's shared epilogue makes the outputs bit-identical.
//
// Built only for bare metal, where the whole firmware targets one core (the
// table is fixed at build time): no run-time check is needed or possible.
#include <arm_acle.h>

#include "kernels/reference/reference.h"
#include "kernels/simd/cortex_m_attention.h"
#include "kernels/simd/cortex_m_quantize.h"
#include "kernels/simd/qs4_driver.h"
#include "kernels/simd/qs8_driver.h"
#include "kernels/simd/tables.h"

#ifndef __ARM_FEATURE_DSP
#error "table_armdsp.cpp needs the DSP extension (-mcpu=cortex-m4, cortex-m7, ...)"
#endif

namespace xattn {
namespace kernels {
namespace {

inline uint32_t load_word(const int8_t* p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}
// Bytes (b0, b1, b2, b3) of a word as int16 pairs: (b0, b2) and (b1, b3).
inline int32_t even_pair(uint32_t v) { return __sxtb16(static_cast<int32_t>(v)); }
// GCC 12's arm_acle.h has no __ror, and it does not fold a rotate into
// SXTB16's operand by itself: say "sxtb16 rd, rm, ror #8" (one instruction).
inline int32_t odd_pair(uint32_t v) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}
// acc + x . w over 4 bytes, x already split into its pairs.
inline int32_t mac4(int32_t acc, int32_t x_even, int32_t x_odd, uint32_t w) {
  return __smlad(x_odd, odd_pair(w), __smlad(x_even, even_pair(w), acc));
}

// ---- row-major weights: a word of 4 columns per row, the activation word
// split once for 4 weight rows (ldw apart); k a multiple of 4.
void qs8_dot_1x4__armdsp(const int8_t* x, size_t k, const int8_t* w, size_t ldw, int32_t* out) {
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma GCC unroll 2
  for (size_t e = 0; e < k; e += 4) {
    const uint32_t xv = load_word(x + e);
    const int32_t xe = even_pair(xv), xo = odd_pair(xv);
    a0 = mac4(a0, xe, xo, load_word(w + e));
    a1 = mac4(a1, xe, xo, load_word(w + ldw + e));
    a2 = mac4(a2, xe, xo, load_word(w + 2 * ldw + e));
    a3 = mac4(a3, xe, xo, load_word(w + 3 * ldw + e));
  }
  out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3;
}

int32_t qs8_dot_1x1__armdsp(const int8_t* x, const int8_t* w, size_t k) {
  int32_t a = 0;
  for (size_t e = 0; e < k; e += 4) {
    const uint32_t xv = load_word(x + e);
    a = mac4(a, even_pair(xv), odd_pair(xv), load_word(w + e));
  }
  return a;
}

struct Qs8RowMajorArmDsp {
  static constexpr size_t kK = 4, kMr = 1;
  template <size_t R>
  static void dot(const int8_t* x, size_t, size_t k, const int8_t* w, size_t ldw, int32_t* acc) {
    qs8_dot_1x4__armdsp(x, k, w, ldw, acc);
  }
  static int32_t dot1(const int8_t* x, const int8_t* w, size_t k) { return qs8_dot_1x1__armdsp(x, w, k); }
};

// ---- layout 1 (16 rows x 4 columns per 64-byte group, xattn/format.h).
//
// The R activation rows are split into pairs once per chunk of groups (on
// the stack), then each run of C block rows walks the groups 64 bytes apart:
// per group and row, one weight word, two SXTB16 and, per activation row,
// two SMLAD, so each weight word is read once for all R rows.
constexpr size_t kChunkGroups = 128;  // 512 columns: 1 KiB of pairs per activation row

template <size_t R, size_t C>
inline void block_rows(const int32_t (*pairs)[2 * kChunkGroups], size_t groups, const int8_t* w, int32_t* out) {
  int32_t a[R][C] = {};
  for (size_t g = 0; g < groups; ++g, w += qs8::kBlock * qs8::kGroup) {
#pragma GCC unroll 4
    for (size_t c = 0; c < C; ++c) {
      const uint32_t wv = load_word(w + 4 * c);
      const int32_t we = even_pair(wv), wo = odd_pair(wv);
#pragma GCC unroll 2
      for (size_t r = 0; r < R; ++r) a[r][c] = __smlad(pairs[r][2 * g + 1], wo, __smlad(pairs[r][2 * g], we, a[r][c]));
    }
  }
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) out[r * qs8::kBlock + c] += a[r][c];
}

// R activation rows (ldx apart) x one full block: out[r * 16 + o].
template <size_t R>
void qs8_gemm_rx16c4__armdsp(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* out) {
  constexpr size_t C = R == 1 ? 4 : 2;  // block rows per pass: accumulators + pairs within 13 registers
  for (size_t e = 0; e < R * qs8::kBlock; ++e) out[e] = 0;
  int32_t pairs[R][2 * kChunkGroups];
  const size_t groups = k / qs8::kGroup;
  for (size_t g0 = 0; g0 < groups; g0 += kChunkGroups) {
    const size_t count = groups - g0 < kChunkGroups ? groups - g0 : kChunkGroups;
    for (size_t r = 0; r < R; ++r)
      for (size_t g = 0; g < count; ++g) {
        const uint32_t xv = load_word(x + r * ldx + (g0 + g) * qs8::kGroup);
        pairs[r][2 * g] = even_pair(xv), pairs[r][2 * g + 1] = odd_pair(xv);
      }
    const int8_t* wg = w + g0 * qs8::kBlock * qs8::kGroup;
    for (size_t o = 0; o < qs8::kBlock; o += C) block_rows<R, C>(pairs, count, wg + 4 * o, out + o);
  }
}

struct Qs8PackedArmDsp {
  static constexpr size_t kMr = 2, kBlocks = 1;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}
  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc) {
    qs8_gemm_rx16c4__armdsp<R>(x, ldx, k, w, acc);
  }
  static void wide(const int8_t*, size_t, size_t, const int8_t*, size_t, int32_t*) {}
};

// ---- int4, layout 3 (xattn/format.h): one weight word of a block row is 8
// nibbles, the low ones columns 8t..8t+3 of a group, the high ones 8t+4..8t+7.
// One AND with a shifted operand moves two nibbles into the top 4 bits of the
// word's two int16 halves, which are then 4096 * q4 as signed int16s: the
// int16 pairs SMLAD wants, with no SXTB16. (w << 12), (w << 4), (w << 8) and
// w itself, masked by 0xF000F000, give the nibble pairs of columns (0, 2),
// (1, 3), (4, 6) and (5, 7), the order of the activations' pairs. A group's
// sum comes out times 4096 (|4096 * sum| <= 4096 * 32 * 8 * 128 < 2^31,
// exact), an arithmetic shift by 12 undoes that exactly, and one multiply by
// the group scale adds it to the row. The activations' pairs are made once
// per chunk of groups and serve all 16 rows of a block.
constexpr size_t kInt4ChunkGroups = 32;               // 1,024 columns
constexpr size_t kInt4PairsPerGroup = 16;             // 8 words, 2 pairs each
using Int4Pairs = int32_t[kInt4PairsPerGroup * kInt4ChunkGroups];

// (w << S) & mask in one instruction: GCC 12 would load 0xF000F000 as an
// immediate and shift separately (two), so say the shifted-operand AND.
template <unsigned S>
inline int32_t nibble_pair(uint32_t w, uint32_t mask) {
  int32_t r;
  __asm__("and %0, %1, %2, lsl %3" : "=r"(r) : "r"(mask), "r"(w), "I"(S));
  return r;
}

// C block rows (w and subs at the first) x R activation rows over `groups`
// groups: out[r * 16 + c] += sum_g sub * sum_c q * q4.
template <size_t R, size_t C>
inline void int4_block_rows(const Int4Pairs* pairs, size_t groups, const uint8_t* w, const uint8_t* subs, int32_t* out) {
  int32_t a[R][C] = {};
  const uint32_t mask = 0xF000F000u;
  for (size_t g = 0; g < groups; ++g, w += format::kInt4GroupBytes, subs += qs4::kBlock) {
    int32_t s[R][C] = {};
    const size_t p0 = g * kInt4PairsPerGroup;
#pragma GCC unroll 4
    for (size_t t = 0; t < 4; ++t) {
#pragma GCC unroll 2
      for (size_t c = 0; c < C; ++c) {
        uint32_t wv;
        __builtin_memcpy(&wv, w + 64 * t + 4 * c, 4);
        const int32_t w02 = nibble_pair<12>(wv, mask), w13 = nibble_pair<4>(wv, mask),
                      w46 = nibble_pair<8>(wv, mask), w57 = static_cast<int32_t>(wv & mask);
        for (size_t r = 0; r < R; ++r) {
          const int32_t* p = pairs[r] + p0 + 4 * t;
          s[r][c] = __smlad(p[3], w57, __smlad(p[2], w46, __smlad(p[1], w13, __smlad(p[0], w02, s[r][c]))));
        }
      }
    }
    for (size_t r = 0; r < R; ++r)
      for (size_t c = 0; c < C; ++c) a[r][c] += int32_t(subs[c]) * (s[r][c] >> 12);
  }
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) out[r * qs4::kBlock + c] += a[r][c];
}

struct Qs4ArmDsp {
  static constexpr size_t kMr = 2;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}
  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs, int32_t* acc) {
    constexpr size_t C = R == 1 ? 2 : 1;  // block rows per pass: accumulators and sums within the registers
    for (size_t e = 0; e < R * qs4::kBlock; ++e) acc[e] = 0;
    Int4Pairs pairs[R];
    const size_t groups = k / format::kInt4Group;
    for (size_t g0 = 0; g0 < groups; g0 += kInt4ChunkGroups) {
      const size_t count = groups - g0 < kInt4ChunkGroups ? groups - g0 : kInt4ChunkGroups;
      for (size_t r = 0; r < R; ++r)
        for (size_t e = 0; e < count * 8; ++e) {  // word e of the chunk: columns 4e..4e+3
          const uint32_t xv = load_word(x + r * ldx + g0 * format::kInt4Group + 4 * e);
          pairs[r][2 * e] = even_pair(xv), pairs[r][2 * e + 1] = odd_pair(xv);
        }
      const uint8_t* wg = w + g0 * format::kInt4GroupBytes;
      const uint8_t* sg = subs + g0 * qs4::kBlock;
      for (size_t o = 0; o < qs4::kBlock; o += C) int4_block_rows<R, C>(pairs, count, wg + 4 * o, sg + o, acc + o);
    }
  }
};

KernelTable with_armdsp(KernelTable t) {
  t.name = "armdsp";
  t.linear_i8 = &qs8::linear_i8<Qs8RowMajorArmDsp>;
  t.linear_i8_packed = &qs8::linear_i8_packed<Qs8PackedArmDsp>;
  t.linear_i4 = &qs4::linear_i4<Qs4ArmDsp>;
  t.linear_i8_packed_keeps_q = !Qs8PackedArmDsp::kUnsigned;
  t.linear_i4_keeps_q = !Qs4ArmDsp::kUnsigned;
  t.quantize_rows = &cortex_m::quantize_rows;
  ref::set_attention(t, cortex_m::float32_variant<cortex_m::ScalarOps>());
  return t;
}

}  // namespace

// A copy of the reference table (so entries added to KernelTable later are
// filled) with the entries above replaced; built on first use.
const KernelTable& armdsp_kernels() {
  static const KernelTable table = with_armdsp(reference_kernels());
  return table;
}

}  // namespace kernels
}  // namespace xattn
