#include "common/cpu_features.h"

#if defined(__linux__) && (defined(__arm__) || defined(__aarch64__))
#include <sys/auxv.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace edge {

// AT_HWCAP bits (Linux uapi asm/hwcap.h), spelled out for older C libraries.
#if defined(__linux__) && defined(__arm__)
constexpr unsigned long kHwcapNeon = 1UL << 12;   // HWCAP_NEON (32-bit ARM)
constexpr unsigned long kHwcapVfpv4 = 1UL << 16;  // HWCAP_VFPv4: fused multiply-add
#endif
#if defined(__linux__) && defined(__aarch64__)
constexpr unsigned long kHwcapAsimdDp = 1UL << 20;  // HWCAP_ASIMDDP
#endif

bool cpu_has_neon() {
#if defined(__aarch64__)
  return true;  // Advanced SIMD is mandatory in AArch64.
#elif defined(__linux__) && defined(__arm__)
  static const bool has = (getauxval(AT_HWCAP) & kHwcapNeon) != 0;
  return has;
#else
  return false;
#endif
}

bool cpu_has_neon_fma() {
#if defined(__aarch64__)
  return true;
#elif defined(__linux__) && defined(__arm__)
  static const bool has = cpu_has_neon() && (getauxval(AT_HWCAP) & kHwcapVfpv4) != 0;
  return has;
#else
  return false;
#endif
}

bool cpu_has_neon_dot() {
#if defined(__linux__) && defined(__aarch64__)
  static const bool has = (getauxval(AT_HWCAP) & kHwcapAsimdDp) != 0;
  return has;
#else
  return false;
#endif
}

bool cpu_has_x86_sha() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
    const bool sse41 = (ecx & bit_SSE4_1) != 0, ssse3 = (ecx & bit_SSSE3) != 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    return sse41 && ssse3 && (ebx & (1u << 29)) != 0;  // CPUID.(7,0):EBX bit 29 = SHA
  }();
  return has;
#else
  return false;
#endif
}

}  // namespace edge
