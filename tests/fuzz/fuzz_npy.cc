// libFuzzer target: the .npy header parser, which reads files users hand us.
#include <cstddef>
#include <cstdint>

#include "common/error.h"
#include "store/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    edge::store::NpyHeader h = edge::store::parse_npy_header(data, size, "<fuzz>");
    (void)h.elements();
  } catch (const edge::Error&) {
  }
  return 0;
}
