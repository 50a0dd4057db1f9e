// NNStreamer's tensor header: what each tensor of a flexible tensor stream
// (other/tensors, format=flexible) carries in front of its data, in the same memory, so that
// type and shape may change from buffer to buffer.
//
// Layout, version 1 (NNStreamer 2.x; read from its nnstreamer_plugin_api_util_impl.c):
// kNnsHeaderSize = 128 bytes of 32-bit words in the machine's byte order, then the data.
//   word 0       magic 0xfeedcced
//   word 1       version: 0xDE000000 | major << 12 | minor (1.0: 0xDE001000)
//   word 2       element type: int32 0, uint32 1, int16 2, uint16 3, int8 4, uint8 5,
//                float64 6, float32 7, int64 8, uint64 9, float16 10
//   words 3-18   dimensions, innermost first, 0 after the last (rank up to 16)
//   word 19      format: static 0, flexible 1, sparse 2
//   word 20      media type: video 0, audio 1, text 2, octet 3, tensor 4
//   word 21      sparse tensors only: the count of non-zero elements
//   the rest     zero
//
// Thread safety: plain functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tensor/tensor.h"

namespace edge {

constexpr size_t kNnsHeaderSize = 128;

struct NnsHeader {
  DType type = DType::kFloat32;
  Shape shape;          // outermost first
  uint32_t format = 0;  // 0 static, 1 flexible, 2 sparse
  uint32_t media_type = 4;
};

// Reads the header at the start of `size` bytes. False with the reason in *error (no header
// there, another version, an element type edgestream has no counterpart for, a sparse
// tensor, a bad dimension).
bool parse_nns_header(const uint8_t* data, size_t size, NnsHeader* header, std::string* error);

// Writes a version 1 header of a flexible tensor of `type` and `shape` into out[0..127].
// Throws edge::Error for a type NNStreamer has no name for (bool) or a rank above 16.
void write_nns_header(DType type, const Shape& shape, uint8_t* out);

}  // namespace edge
