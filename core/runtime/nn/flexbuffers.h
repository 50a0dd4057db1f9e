// A bounded, verifying reader of FlexBuffers, the schema-less binary format in which
// TensorFlow Lite stores the options of custom operators (Operator.custom_options with
// custom_options_format FLEXBUFFERS; TFLM's signal-library operators use it).
//
// The bytes come from an untrusted model file, so every read is checked before it is made:
//   - the root: at least 3 bytes; the last byte is the root's byte width (1, 2, 4 or 8), the
//     one before it the root's packed type, the root value right before that;
//   - every offset (strings, keys, vectors, maps, blobs, indirect scalars) points inside the
//     buffer, and what it points to ends before the container that refers to it starts (the
//     FlexBuffers builder always writes children first; an empty map or vector may sit right
//     where it is referred to), so every walk terminates;
//   - every size: the elements, their type bytes and a string's terminating NUL lie inside
//     the buffer (sizes cannot overflow: size * width is compared with the buffer size);
//   - every width is 1, 2, 4 or 8 bytes, every type code a known one; floats are 4 or 8
//     bytes wide; a map's keys are a key vector of the map's size.
// Any violation throws edge::Error("FlexBuffer: <what> at byte <n>"); callers add the model
// and operator. Nothing is copied: a Value points into the caller's bytes, which must
// outlive it. Not a writer.
//
// Usage:
//   const flexbuf::Value options = flexbuf::root(bytes, size);   // throws on a bad root
//   const flexbuf::Value* shift = options.find("shift");          // nullptr when absent
//   int64_t value = shift->as_int64();                            // throws on a non-integer
//   flexbuf::verify(options);   // walks everything below (the fuzz target and tools)
//
// Thread safety: Values are immutable views; any number of threads may read them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace edge::nn::flexbuf {

// FlexBuffers type codes (flexbuffers.h's Type enum).
enum class Type : uint8_t {
  kNull = 0,
  kInt = 1,
  kUInt = 2,
  kFloat = 3,
  kKey = 4,
  kString = 5,
  kIndirectInt = 6,
  kIndirectUInt = 7,
  kIndirectFloat = 8,
  kMap = 9,
  kVector = 10,
  kVectorInt = 11,
  kVectorUInt = 12,
  kVectorFloat = 13,
  kVectorKey = 14,
  kVectorStringDeprecated = 15,
  kVectorInt2 = 16,
  kVectorUInt2 = 17,
  kVectorFloat2 = 18,
  kVectorInt3 = 19,
  kVectorUInt3 = 20,
  kVectorFloat3 = 21,
  kVectorInt4 = 22,
  kVectorUInt4 = 23,
  kVectorFloat4 = 24,
  kBlob = 25,
  kBool = 26,
  kVectorBool = 36,
};

const char* type_name(Type type);  // "int", "map", "vector of int", ...

// Deepest nesting verify() follows (custom options are a flat map: depth 2).
constexpr int kMaxDepth = 32;

class Value {
 public:
  Type type() const { return type_; }
  bool is_map() const { return type_ == Type::kMap; }
  bool is_vector() const;  // any vector kind (untyped, typed, fixed)

  // Scalars. as_int64: int, uint (<= INT64_MAX), bool and their indirect forms;
  // as_uint64: uint, int (>= 0), bool; as_double: float, int, uint; as_bool: bool, int,
  // uint (non-zero is true). Anything else throws naming the type.
  int64_t as_int64() const;
  uint64_t as_uint64() const;
  double as_double() const;
  bool as_bool() const;
  // String or key text (a string may hold NUL bytes; a key ends at the first).
  std::string as_string() const;

  // Element count of a vector, map, string or blob; throws for a scalar.
  size_t size() const;
  // Element i of a vector or the value of entry i of a map (keys sorted, as written).
  Value at(size_t i) const;
  // Key of map entry i.
  std::string key_at(size_t i) const;
  // The value of `key` in a map, or false. Throws when this is not a map.
  bool find(const std::string& key, Value* out) const;

  // Offset of this value's bytes from the start of the buffer (for messages).
  size_t position() const { return static_cast<size_t>(data_ - begin_); }

 private:
  friend Value root(const uint8_t* data, size_t size);
  Value(const uint8_t* begin, const uint8_t* end, const uint8_t* data, uint8_t parent_width,
        uint8_t packed_type, const uint8_t* limit);

  // Target of an offset value, checked to lie at or after begin_ and before limit_.
  const uint8_t* target() const;
  // Target of an indirect scalar, checked to fit before limit_.
  const uint8_t* indirect_scalar() const;
  // Start of a sized container (after its size field) and its element width.
  void container(const uint8_t** elements, size_t* count, uint8_t* width) const;
  Value element(const uint8_t* elements, size_t count, uint8_t width, size_t i) const;

  const uint8_t* begin_;
  const uint8_t* end_;
  const uint8_t* data_;   // the value's slot (inline scalars and offsets live here)
  const uint8_t* limit_;  // what this value refers to must start before this point
  uint8_t parent_width_;  // bytes of the slot
  uint8_t byte_width_;    // bytes of the target's elements or scalar
  Type type_;
};

// The root value of size bytes at data (verified as far as the root itself).
Value root(const uint8_t* data, size_t size);

// Reads every value below v (keys, strings, elements, nested containers up to kMaxDepth),
// throwing on the first malformed one. The readers above check what they touch; this
// checks everything once (fuzzing, tools that dump options).
void verify(const Value& v);

// A one-line description for tools: {"shift": 12} style, strings quoted, at most
// max_chars characters (longer text ends in "...").
std::string describe(const Value& v, size_t max_chars = 200);

}  // namespace edge::nn::flexbuf
