#include "signal/resample_params.h"

namespace edge::signal {

const params::Table& resample_params() {
  static const params::Table table = [] {
    params::TableBuilder<ResampleSettings> b(
        "edgeresample",
        "Converts F32 audio to the rate downstream asks for, each clip as if alone, with a "
        "90 dB Kaiser polyphase filter (SIMD picked at run time)");
    b.text("kernel", "Kernel",
           "The resampling kernel in use: avx512, avx2, neon, reference, or none (equal rates pass "
           "through)",
           &ResampleSettings::kernel)
        .flags(params::kReadable);
    return b.build();
  }();
  return table;
}

}  // namespace edge::signal
