// Internal to resample.cc: the SIMD block kernels. Not a public interface.
//
// A block is 8 consecutive outputs b*8 .. b*8+7. Its pattern g = b mod G fixes the phases of
// its 8 outputs, so one table row set serves every block of that pattern:
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

constexpr int kBlockLanes = 8;

struct BlockPlan {
  const float* table;     // [patterns][taps][8]
  const int64_t* base;    // [patterns]
  int patterns;           // G
  int taps;               // T, a multiple of 4
  int64_t period_inputs;  // inputs per G blocks
};

// Computes blocks [first, end): block b's 8 outputs go to out[(b - first) * 8 + lane]; input
// index i is read at x[i - origin].
using BlockKernel = void (*)(const BlockPlan& plan, const float* x, int64_t origin, int64_t first,
                             int64_t end, float* out);

// nullptr where the CPU (or the build) cannot run it.
BlockKernel avx2_block_kernel();
BlockKernel neon_block_kernel();

}  // namespace edge::signal::detail
