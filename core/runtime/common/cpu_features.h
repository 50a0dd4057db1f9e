// What the processor this runs on can do, asked once (Linux's getauxval) and remembered: the
// one place the fast kernels and the signal library look before they pick a SIMD variant.
//
// Thread safety: the answers are computed once, thread-safely (function-local statics).
#pragma once

namespace edge {

// Advanced SIMD (NEON): always on AArch64; on 32-bit ARM when the kernel reports HWCAP_NEON;
// never elsewhere.
bool cpu_has_neon();

// NEON with fused multiply-add (VFPv4): always on AArch64; on 32-bit ARM when the kernel
// reports both HWCAP_NEON and HWCAP_VFPv4; never elsewhere.
bool cpu_has_neon_fma();

// The dot-product instructions (SDOT/UDOT, Armv8.2 ASIMDDP): on AArch64 when the kernel
// reports HWCAP_ASIMDDP; never elsewhere.
bool cpu_has_neon_dot();

// The x86 SHA extensions (SHA-NI: SHA256RNDS2, SHA256MSG1/2) with SSE4.1, from CPUID; never
// elsewhere.
bool cpu_has_x86_sha();

}  // namespace edge
