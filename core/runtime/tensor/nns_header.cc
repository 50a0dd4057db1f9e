#include "tensor/nns_header.h"

#include <cstring>

#include "common/error.h"

namespace edge {

namespace {

constexpr uint32_t kMagic = 0xfeedcced;
constexpr uint32_t kVersionMark = 0xDE000000;
constexpr uint32_t kVersion1 = kVersionMark | (1u << 12);
constexpr int kRankLimit = 16;

// NNStreamer's element type numbers, and ours; -1: none of ours.
constexpr int kNnsTypes[] = {static_cast<int>(DType::kInt32),
                             -1,
                             static_cast<int>(DType::kInt16),
                             -1,
                             static_cast<int>(DType::kInt8),
                             static_cast<int>(DType::kUInt8),
                             -1,
                             static_cast<int>(DType::kFloat32),
                             static_cast<int>(DType::kInt64),
                             -1,
                             static_cast<int>(DType::kFloat16)};
const char* const kNnsTypeNames[] = {"int32",   "uint32",  "int16", "uint16", "int8",   "uint8",
                                     "float64", "float32", "int64", "uint64", "float16"};
constexpr uint32_t kNnsTypeCount = sizeof(kNnsTypes) / sizeof(kNnsTypes[0]);

uint32_t word(const uint8_t* data, int index) {
  uint32_t value;
  std::memcpy(&value, data + 4 * index, 4);
  return value;
}

}  // namespace

bool parse_nns_header(const uint8_t* data, size_t size, NnsHeader* header, std::string* error) {
  if (size < kNnsHeaderSize) {
    *error = msg("a flexible tensor of ", size, " bytes has no room for NNStreamer's ",
                 kNnsHeaderSize, "-byte header");
    return false;
  }
  if (word(data, 0) != kMagic || (word(data, 1) & 0xFF000000u) != kVersionMark) {
    *error = "no NNStreamer tensor header at the start of a flexible tensor";
    return false;
  }
  if ((word(data, 1) & 0x00FFF000u) != (kVersion1 & 0x00FFF000u)) {
    *error = msg("NNStreamer tensor header version ", (word(data, 1) >> 12) & 0xFFF, ".",
                 word(data, 1) & 0xFFF, " (edgestream reads version 1)");
    return false;
  }
  const uint32_t type = word(data, 2);
  if (type >= kNnsTypeCount) {
    *error = msg("unknown NNStreamer element type ", type, " in a tensor header");
    return false;
  }
  if (kNnsTypes[type] < 0) {
    *error = msg("NNStreamer element type ", kNnsTypeNames[type], " has no edgestream counterpart");
    return false;
  }
  NnsHeader out;
  out.type = static_cast<DType>(kNnsTypes[type]);
  out.format = word(data, 19);
  out.media_type = word(data, 20);
  if (out.format == 2) {
    *error = "a sparse tensor (put NNStreamer's tensor_sparse_dec before this element)";
    return false;
  }
  Shape innermost_first;
  for (int i = 0; i < kRankLimit; ++i) {
    const uint32_t d = word(data, 3 + i);
    if (d == 0) break;
    if (d > static_cast<uint32_t>(INT32_MAX)) {
      *error = msg("tensor header dimension ", i, " is ", d);
      return false;
    }
    innermost_first.push_back(static_cast<int32_t>(d));
  }
  if (innermost_first.empty()) {
    *error = "a tensor header with no dimension";
    return false;
  }
  out.shape.assign(innermost_first.rbegin(), innermost_first.rend());
  *header = out;
  return true;
}

void write_nns_header(DType type, const Shape& shape, uint8_t* out) {
  int nns_type = -1;
  for (uint32_t i = 0; i < kNnsTypeCount; ++i)
    if (kNnsTypes[i] == static_cast<int>(type)) nns_type = static_cast<int>(i);
  if (nns_type < 0) throw Error(msg("NNStreamer has no element type for ", dtype_name(type)));
  if (shape.size() > static_cast<size_t>(kRankLimit))
    throw Error(
        msg("NNStreamer tensors have at most ", kRankLimit, " dimensions, not ", shape.size()));
  uint32_t words[kNnsHeaderSize / 4] = {};
  words[0] = kMagic;
  words[1] = kVersion1;
  words[2] = static_cast<uint32_t>(nns_type);
  const Shape dims = shape.empty() ? Shape{1} : shape;
  for (size_t i = 0; i < dims.size(); ++i)
    words[3 + i] = static_cast<uint32_t>(dims[dims.size() - 1 - i]);
  words[19] = 1;  // flexible
  words[20] = 4;  // tensor
  std::memcpy(out, words, kNnsHeaderSize);
}

}  // namespace edge
