// Options of the custom operators the engine runs (TFLM's signal library), parsed from the
// FlexBuffers map a model stores in Operator.custom_options (core/runtime/nn/flexbuffers.h).
//
// Each operator takes exactly the keys TFLM's kernel reads (TFLM reads them by position in
// the sorted map, so a map with other keys would mean something else there): a missing key,
// an unexpected key, a value of the wrong kind or out of its range is refused. Ranges are
// those in which TFLM's arithmetic is defined (shifts below the word size, non-negative
// indices and sizes); shapes are checked later by the operator's prepare.
//
// Errors throw edge::Error("<op code> options: <what>"); the reader adds the model and the
// operator index.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/model.h"

namespace edge::nn {

// Parses size bytes of FlexBuffers (may be 0 bytes: no options, refused when the op takes
// some). op is a known custom operator (not kNone or kUnknown).
OpOptions parse_custom_options(CustomOp op, const uint8_t* data, size_t size);

}  // namespace edge::nn
