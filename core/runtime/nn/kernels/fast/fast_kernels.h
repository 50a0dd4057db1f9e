// Fast CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels.
//
// Same parameters, layouts and results as the reference kernels in
// core/runtime/nn/kernels/ref/ (read kernel_params.h first): integer variants are
// bit-exact with the reference, float32 agrees within 1e-5 relative (different
// summation order). Checked by tests/core/test_kernel_conformance.cc.
//
// Implementation: float32 through Eigen's GEMM (im2col for general convolutions,
// the input itself for 1x1 stride-1 convolutions); int8 through an int32 GEMM with
// micro-kernels per instruction set, chosen at run time (Isa below): a portable C++
// one (any CPU), AVX2 (int16 madd), AVX-512 VNNI (u8 x s8 dot products on 256-bit
// registers), NEON (vmull_s8 + vpadalq_s16) and NEON SDOT on ARM; requantization is
// vectorized with the reference's exact fixed-point arithmetic. Depthwise int8 works per
// pixel with channels in SIMD lanes; a depthwise layer with one input channel (micro_speech)
// is packed as the equivalent ordinary convolution and runs on the GEMM.
//
// Life cycle, as TFLite's Prepare/Eval:
//   prepare (once, may allocate): pack_*() returns a PackedWeights holding the
//     weights in the micro-kernel's layout, weight row sums and the bias with the
//     input offset folded in; *_scratch_bytes() tells how much scratch eval needs.
//   eval (hot path, allocates nothing, throws nothing): the kernel function with the
//     packed weights and a caller-owned scratch buffer of at least *_scratch_bytes()
//     bytes, aligned to 16 bytes (the arena planner's alignment).
// The `threads` argument (>= 1) splits output rows or channels over that many
// std::threads spawned for the call (no pool; 1 = run on the calling thread, no
// thread created). The scratch size depends on `threads`: pass the same value to
// both. PackedWeights is immutable after pack_*(): one instance may serve concurrent
// evals, each with its own scratch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/kernels/kernel_params.h"

namespace edge {
namespace nn {
namespace fast {

// Instruction sets with int8 micro-kernels. kNeon: ARM Advanced SIMD (always on AArch64,
// HWCAP_NEON on 32-bit ARM); kNeonDot: NEON with armv8.2 SDOT (asimddp), both with the
// portable layouts (gemm_s8_neon.h).
enum class Isa : uint8_t { kPortable = 0, kAvx2 = 1, kAvx512Vnni = 2, kNeon = 3, kNeonDot = 4 };

const char* isa_name(Isa isa);      // "portable", "avx2", "avx512vnni", "neon", "neondot"
bool isa_supported(Isa isa);        // this CPU can run it (portable: always)
Isa best_isa();                     // the fastest supported one (detected once)
std::vector<Isa> supported_isas();  // portable first

// Weights packed for one kernel, one parameter set and one Isa. Produced by a
// pack_*() function; the fields are that kernel's private layout (callers only
// query bytes() and isa).
struct PackedWeights {
  enum class Kind : uint8_t { kNone, kConvS8, kConvHybrid, kFcS8, kFcHybrid, kDepthwiseS8 };
  Kind kind = Kind::kNone;
  Isa isa = Isa::kPortable;
  int32_t out_channels = 0;       // columns of the GEMM (units for FC)
  int32_t depth = 0;              // reduction length K (filter_h * filter_w * in_c, or FC depth)
  int32_t padded_depth = 0;       // K rounded up for the micro-kernel
  std::vector<int8_t> w8;         // int8 weights, micro-kernel layout
  std::vector<int16_t> w16;       // int16 weights (AVX2 and depthwise paths)
  std::vector<int32_t> bias;      // int32 initial accumulator per channel (offsets folded in)
  std::vector<int32_t> row_sums;  // sum of each output channel's weights

  size_t bytes() const;  // heap bytes held (for memory reports)
};

// ---- CONV_2D ---------------------------------------------------------------
// float32: no packing (Eigen reads the OHWI filter as a [O, K] row-major matrix).
size_t conv2d_f32_scratch_bytes(const ConvParams& params, const Dims4& in_shape,
                                const Dims4& filter_shape, const Dims4& out_shape, int threads);
void conv2d_f32(const ConvParams& params, const Dims4& in_shape, const float* in,
                const Dims4& filter_shape, const float* filter, const float* bias,
                const Dims4& out_shape, float* out, void* scratch, int threads = 1);

// int8 (per-channel requantization arrays in params.quant, which must outlive the
// packed weights: they are read at eval time).
PackedWeights pack_conv2d_s8(const ConvParams& params, const Dims4& filter_shape,
                             const int8_t* filter, const int32_t* bias, Isa isa = best_isa());
size_t conv2d_s8_scratch_bytes(const ConvParams& params, const PackedWeights& packed,
                               const Dims4& in_shape, const Dims4& filter_shape,
                               const Dims4& out_shape, int threads);
void conv2d_s8(const ConvParams& params, const PackedWeights& packed, const Dims4& in_shape,
               const int8_t* in, const Dims4& filter_shape, const Dims4& out_shape, int8_t* out,
               void* scratch, int threads = 1);

// 16x8 (int16 activations, int8 weights, int64 bias): no packing; the reference
// loop order with an int64 accumulator, compiled per Isa for auto-vectorization.
size_t conv2d_s16x8_scratch_bytes(const ConvParams& params, const Dims4& in_shape,
                                  const Dims4& filter_shape, const Dims4& out_shape, int threads);
void conv2d_s16x8(const ConvParams& params, const Dims4& in_shape, const int16_t* in,
                  const Dims4& filter_shape, const int8_t* filter, const int64_t* bias,
                  const Dims4& out_shape, int16_t* out, void* scratch, int threads = 1);

// Hybrid (float activations, int8 weights; params.hybrid.weight_scale must outlive
// the packed weights).
PackedWeights pack_conv2d_hybrid(const ConvParams& params, const Dims4& filter_shape,
                                 const int8_t* filter, Isa isa = best_isa());
size_t conv2d_hybrid_scratch_bytes(const ConvParams& params, const PackedWeights& packed,
                                   const Dims4& in_shape, const Dims4& filter_shape,
                                   const Dims4& out_shape, int threads);
void conv2d_hybrid(const ConvParams& params, const PackedWeights& packed, const Dims4& in_shape,
                   const float* in, const Dims4& filter_shape, const float* bias,
                   const Dims4& out_shape, float* out, void* scratch, int threads = 1);

// ---- DEPTHWISE_CONV_2D -------------------------------------------------------
size_t depthwise_conv2d_f32_scratch_bytes(const ConvParams& params, const Dims4& in_shape,
                                          const Dims4& filter_shape, const Dims4& out_shape,
                                          int threads);
void depthwise_conv2d_f32(const ConvParams& params, const Dims4& in_shape, const float* in,
                          const Dims4& filter_shape, const float* filter, const float* bias,
                          const Dims4& out_shape, float* out, void* scratch, int threads = 1);

PackedWeights pack_depthwise_conv2d_s8(const ConvParams& params, const Dims4& filter_shape,
                                       const int8_t* filter, const int32_t* bias,
                                       Isa isa = best_isa());
size_t depthwise_conv2d_s8_scratch_bytes(const ConvParams& params, const PackedWeights& packed,
                                         const Dims4& in_shape, const Dims4& filter_shape,
                                         const Dims4& out_shape, int threads);
void depthwise_conv2d_s8(const ConvParams& params, const PackedWeights& packed,
                         const Dims4& in_shape, const int8_t* in, const Dims4& filter_shape,
                         const Dims4& out_shape, int8_t* out, void* scratch, int threads = 1);

size_t depthwise_conv2d_s16x8_scratch_bytes(const ConvParams& params, const Dims4& in_shape,
                                            const Dims4& filter_shape, const Dims4& out_shape,
                                            int threads);
void depthwise_conv2d_s16x8(const ConvParams& params, const Dims4& in_shape, const int16_t* in,
                            const Dims4& filter_shape, const int8_t* filter, const int64_t* bias,
                            const Dims4& out_shape, int16_t* out, void* scratch, int threads = 1);

// ---- FULLY_CONNECTED ---------------------------------------------------------
size_t fully_connected_f32_scratch_bytes(int batches, int depth, int units, int threads);
void fully_connected_f32(const FullyConnectedParams& params, int batches, int depth, int units,
                         const float* in, const float* weights, const float* bias, float* out,
                         void* scratch, int threads = 1);

PackedWeights pack_fully_connected_s8(const FullyConnectedParams& params, int depth, int units,
                                      const int8_t* weights, const int32_t* bias,
                                      Isa isa = best_isa());
size_t fully_connected_s8_scratch_bytes(const PackedWeights& packed, int batches, int threads);
void fully_connected_s8(const FullyConnectedParams& params, const PackedWeights& packed,
                        int batches, const int8_t* in, int8_t* out, void* scratch, int threads = 1);

size_t fully_connected_s16x8_scratch_bytes(int batches, int depth, int units, int threads);
void fully_connected_s16x8(const FullyConnectedParams& params, int batches, int depth, int units,
                           const int16_t* in, const int8_t* weights, const int64_t* bias,
                           int16_t* out, void* scratch, int threads = 1);

PackedWeights pack_fully_connected_hybrid(const FullyConnectedParams& params, int depth, int units,
                                          const int8_t* weights, Isa isa = best_isa());
size_t fully_connected_hybrid_scratch_bytes(const PackedWeights& packed, int batches, int threads);
void fully_connected_hybrid(const FullyConnectedParams& params, const PackedWeights& packed,
                            int batches, const float* in, const float* bias, float* out,
                            void* scratch, int threads = 1);

}  // namespace fast
}  // namespace nn
}  // namespace edge
