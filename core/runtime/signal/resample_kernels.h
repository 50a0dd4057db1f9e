// Internal to resample.cc: the SIMD block kernels. Not a public interface.
//
// A block is `lanes` consecutive outputs (8 for AVX2 and NEON, 16 for AVX-512: one vector
// register of floats) b*lanes .. b*lanes+lanes-1. Its pattern g = b mod G fixes the phases of
// its outputs, so one table row set serves every block of that pattern:
//   table[g][t][lane], t < T, holds tap (t - offset_lane) of the lane's phase (0 outside),
// where offset_lane is how many inputs after the block's first window start the lane's own
// window starts. Block b reads inputs i_base(b) .. i_base(b) + T - 1 with
//   i_base(b) = (b / G) * period_inputs + base[b mod G]
// and lane `lane` of output is sum over t of x[i_base(b) + t] * table[g][t][lane], one fused
// multiply-add per t in ascending t from +0: the zero taps before and after the lane's own
// taps leave the accumulator unchanged, so each output equals the reference's exactly.
#pragma once

#include <cstdint>

namespace edge::signal::detail {

constexpr int kBlockLanes = 8;       // AVX2, NEON and the reference
constexpr int kWideBlockLanes = 16;  // AVX-512

struct BlockPlan {
  const float* table;     // [patterns][taps][lanes]
  const int64_t* base;    // [patterns]
  int patterns;           // G
  int taps;               // T, a multiple of 4
  int64_t period_inputs;  // inputs per G blocks
};

// Computes blocks [first, end): block b's outputs go to out[(b - first) * lanes + lane]; input
// index i is read at x[i - origin].
using BlockKernel = void (*)(const BlockPlan& plan, const float* x, int64_t origin, int64_t first,
                             int64_t end, float* out);

// nullptr where the CPU (or the build) cannot run it.
BlockKernel avx2_block_kernel();
BlockKernel neon_block_kernel();
BlockKernel avx512_block_kernel();  // kWideBlockLanes lanes

}  // namespace edge::signal::detail
