// Runs one kernel variant a given number of times, for counting instructions under qemu
// (bench/neon_instructions.sh runs it with 0 and with N iterations: the difference / N is
// the kernel's cost per call, without process start-up).
//
//   neon_count_driver KERNEL VARIANT ITERATIONS
//   KERNEL   normalize-uniform   16000 floats (1 s of 16 kHz audio), z-score map
//            normalize-channels  119 frames x 6 channels (a gesture window), min-max clamp
//            fc-s8               FULLY_CONNECTED int8, 1 x 640 -> 64 (a dense layer)
//            gemm-s8             FULLY_CONNECTED int8, 32 x 144 -> 32 (a 3x3x16 conv as GEMM)
//   VARIANT  scalar | neon (normalize); portable | neon | neondot (int8 kernels)
// Exit status 2 on bad arguments, 3 when the variant is not supported by this CPU.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "nn/kernels/fast/fast_kernels.h"
#include "signal/normalize_neon.h"

namespace {

namespace fast = edge::nn::fast;

int usage() {
  std::fprintf(stderr,
               "usage: neon_count_driver normalize-uniform|normalize-channels|fc-s8|gemm-s8 "
               "scalar|neon|portable|neondot ITERATIONS\n");
  return 2;
}

std::vector<float> floats(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<float>(static_cast<int>(i * 7919 % 2001) - 1000) / 250.0f;
  return v;
}

int run_normalize(bool channels, const std::string& variant, long iterations) {
  const bool neon = variant == "neon";
  if (!neon && variant != "scalar") return usage();
#if defined(EDGE_SIGNAL_NEON)
  if (neon && !edge::signal::detail::normalize_neon_available()) return 3;
#else
  if (neon) return 3;
#endif
  const size_t frames = channels ? 119 : 16000, ch = channels ? 6 : 1;
  std::vector<float> data = floats(frames * ch);
  const float scale[6] = {0.125f, 0.125f, 0.125f, 0.00025f, 0.00025f, 0.00025f};
  const float offset[6] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
  for (long i = 0; i < iterations; ++i) {
#if defined(EDGE_SIGNAL_NEON)
    if (neon) {
      if (channels) {
        edge::signal::detail::affine_channels_neon(data.data(), frames, ch, scale, offset, true);
      } else {
        edge::signal::detail::affine_uniform_neon(data.data(), frames, 0.5f, -0.25f, false);
      }
      continue;
    }
#endif
    if (channels) {
      edge::signal::detail::affine_channels_scalar(data.data(), frames, ch, scale, offset, true);
    } else {
      edge::signal::detail::affine_uniform_scalar(data.data(), frames, 0.5f, -0.25f, false);
    }
  }
  volatile float sink = data[frames * ch / 2];
  (void)sink;
  return 0;
}

int run_gemm(int batches, int depth, int units, const std::string& variant, long iterations) {
  fast::Isa isa;
  if (variant == "portable") {
    isa = fast::Isa::kPortable;
  } else if (variant == "neon") {
    isa = fast::Isa::kNeon;
  } else if (variant == "neondot") {
    isa = fast::Isa::kNeonDot;
  } else {
    return usage();
  }
  if (!fast::isa_supported(isa)) return 3;
  std::vector<int8_t> weights(static_cast<size_t>(depth) * units),
      in(static_cast<size_t>(batches) * depth);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int8_t>(i * 37 % 255 - 127);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int8_t>(i * 91 % 255 - 127);
  std::vector<int32_t> bias(static_cast<size_t>(units), 100),
      multiplier(static_cast<size_t>(units), 1 << 30), shift(static_cast<size_t>(units), -8);
  edge::nn::FullyConnectedParams params;
  params.quant.input_offset = 3;
  params.quant.output_offset = -2;
  params.quant.multiplier = multiplier.data();
  params.quant.shift = shift.data();
  params.quant.act_min = -128;
  params.quant.act_max = 127;
  const fast::PackedWeights packed =
      fast::pack_fully_connected_s8(params, depth, units, weights.data(), bias.data(), isa);
  std::vector<uint8_t> scratch(fast::fully_connected_s8_scratch_bytes(packed, batches, 1) + 16);
  void* aligned = scratch.data() + (16 - reinterpret_cast<uintptr_t>(scratch.data()) % 16) % 16;
  std::vector<int8_t> out(static_cast<size_t>(batches) * units);
  for (long i = 0; i < iterations; ++i) {
    fast::fully_connected_s8(params, packed, batches, in.data(), out.data(), aligned, 1);
  }
  volatile int8_t sink = out[out.size() / 2];
  (void)sink;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return usage();
  const std::string kernel = argv[1], variant = argv[2];
  char* end = nullptr;
  const long iterations = std::strtol(argv[3], &end, 10);
  if (*end != '\0' || iterations < 0) return usage();
  if (kernel == "normalize-uniform") return run_normalize(false, variant, iterations);
  if (kernel == "normalize-channels") return run_normalize(true, variant, iterations);
  if (kernel == "fc-s8") return run_gemm(1, 640, 64, variant, iterations);
  if (kernel == "gemm-s8") return run_gemm(32, 144, 32, variant, iterations);
  return usage();
}
