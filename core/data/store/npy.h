// NumPy .npy files (format versions 1.0-3.0), the format dataset shards are written in so
// that `numpy.load` reads them with no other library.
//
// Supported element types (descr): '<f4' float32, '|i1' int8, '<i2' int16, '<i4' int32,
// '<i8' int64, and '<U{n}' fixed-width UTF-32 strings (clip ids). C order only.
//
// The writer streams rows: it reserves a fixed-size header, appends rows, and rewrites the
// header with the final row count in finish(), so memory stays constant however large the
// shard. The reader treats the file as untrusted: every header field is checked and a bad
// file gets an edge::Error naming it and what is wrong.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace edge::store {

struct NpyHeader {
  std::string descr;  // e.g. "<f4"
  bool fortran_order = false;
  std::vector<int64_t> shape;  // outermost first
  size_t data_offset = 0;      // bytes from the start of the file to the data
  size_t item_size = 0;        // bytes per element

  int64_t elements() const;
};

// Parses the header at the start of `data` (at least the first `size` bytes of the file).
// `name` is used in error messages.
NpyHeader parse_npy_header(const uint8_t* data, size_t size, const std::string& name);

// Bytes per element of a descr, or 0 if unsupported.
size_t npy_item_size(const std::string& descr);

class NpyWriter {
 public:
  // Creates (truncates) `path`; rows have `row_shape` elements of `descr` (the file's shape is
  // (rows,) + row_shape). Throws edge::Error naming the file on failure.
  NpyWriter(const std::string& path, const std::string& descr, std::vector<int64_t> row_shape);
  ~NpyWriter();
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  // Appends one row of exactly row_bytes() bytes.
  void append(const void* row);
  // Rewrites the header with the row count, flushes and fsyncs. Throws on I/O errors.
  void finish();

  size_t row_bytes() const { return row_bytes_; }
  int64_t rows() const { return rows_; }
  const std::string& path() const { return path_; }

 private:
  void write_header();
  std::string path_;
  std::string descr_;
  std::vector<int64_t> row_shape_;
  size_t row_bytes_ = 0;
  int64_t rows_ = 0;
  FILE* file_ = nullptr;
};

// Whole-array readers (tests, the trainer). Throw edge::Error naming the file.
struct NpyArray {
  NpyHeader header;
  std::vector<uint8_t> bytes;  // raw little-endian data
};
NpyArray read_npy(const std::string& path);
std::vector<float> npy_as_float(const NpyArray& array, const std::string& name);
std::vector<int64_t> npy_as_int(const NpyArray& array, const std::string& name);
std::vector<std::string> npy_as_strings(const NpyArray& array, const std::string& name);

// UTF-8 to the fixed-width UTF-32 cells of a '<U{width}' row (truncating at width).
void utf8_to_utf32_cell(const std::string& text, size_t width, uint32_t* cell);

}  // namespace edge::store
