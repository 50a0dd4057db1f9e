// Deterministic random numbers for training: weight initialization, shuffling
// and dropout masks.
//
// The engine is std::mt19937_64, whose output sequence the C++ standard fixes.
// The distributions are our own (libstdc++, libc++ and MSVC implement
// std::normal_distribution and friends differently), so a seed gives the same
// numbers with every standard library. Normal variates use Box-Muller from two
// 53-bit uniforms; they can differ in the last bit between libm versions.
//
// Thread safety: an Rng is a value; use one per thread.
#pragma once

#include <cstdint>
#include <random>

namespace edge::train {

// SplitMix64 finalizer: derives well-mixed seeds from (seed, stream) pairs so
// that each step, shard and layer gets its own independent stream.
uint64_t mix_seed(uint64_t seed, uint64_t stream);

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  uint64_t next_u64() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Uniform integer in [0, n) without modulo bias (rejection sampling); n > 0.
  uint64_t below(uint64_t n);
  // Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal();
  // Standard normal truncated to [-2, 2] by rejection, as Keras' TruncatedNormal.
  double truncated_normal();

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace edge::train
