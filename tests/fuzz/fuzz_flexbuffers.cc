// libFuzzer target for the FlexBuffers reader and the signal operators' option parser
// (custom operator options come from untrusted model files): any bytes must be read or
// refused with edge::Error; never crash, hang or read out of bounds. A buffer that reads is
// walked completely (verify, describe) and parsed as the options of every signal operator.
#include <cstddef>
#include <cstdint>

#include "common/error.h"
#include "nn/custom_options.h"
#include "nn/flexbuffers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const edge::nn::flexbuf::Value root = edge::nn::flexbuf::root(data, size);
    edge::nn::flexbuf::verify(root);
    volatile size_t sink = edge::nn::flexbuf::describe(root, 1000).size();
    (void)sink;
  } catch (const edge::Error&) {
    // Refused with a message.
  }
  using edge::nn::CustomOp;
  for (CustomOp op :
       {CustomOp::kSignalWindow, CustomOp::kSignalFftAutoScale, CustomOp::kSignalRfft,
        CustomOp::kSignalEnergy, CustomOp::kSignalFilterBank, CustomOp::kSignalFilterBankSquareRoot,
        CustomOp::kSignalFilterBankSpectralSubtraction, CustomOp::kSignalPcan,
        CustomOp::kSignalFilterBankLog}) {
    try {
      (void)edge::nn::parse_custom_options(op, data, size);
    } catch (const edge::Error&) {
    }
  }
  return 0;
}
