#include "nn/flexbuffers.h"

#include <cstring>
#include <limits>

#include "common/error.h"

namespace edge::nn::flexbuf {

namespace {

bool known_type(uint8_t code) { return code <= 26 || code == 36; }

bool valid_width(uint64_t width) { return width == 1 || width == 2 || width == 4 || width == 8; }

uint8_t width_code(uint8_t width) { return width == 1 ? 0 : width == 2 ? 1 : width == 4 ? 2 : 3; }

// Little-endian unsigned and sign-extended reads of `width` bytes (1, 2, 4 or 8).
uint64_t read_uint(const uint8_t* p, uint8_t width) {
  uint64_t value = 0;
  for (uint8_t i = 0; i < width; ++i) value |= static_cast<uint64_t>(p[i]) << (8 * i);
  return value;
}

int64_t read_int(const uint8_t* p, uint8_t width) {
  const uint64_t raw = read_uint(p, width);
  if (width == 8) return static_cast<int64_t>(raw);
  const uint64_t sign = uint64_t{1} << (8 * width - 1);
  return static_cast<int64_t>((raw ^ sign) - sign);
}

double read_float(const uint8_t* p, uint8_t width) {
  if (width == 4) {
    float f;
    const uint32_t bits = static_cast<uint32_t>(read_uint(p, 4));
    std::memcpy(&f, &bits, sizeof(f));
    return static_cast<double>(f);
  }
  double d;
  const uint64_t bits = read_uint(p, 8);
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

bool is_typed_vector(Type t) {
  return (t >= Type::kVectorInt && t <= Type::kVectorStringDeprecated) || t == Type::kVectorBool;
}

bool is_fixed_vector(Type t) { return t >= Type::kVectorInt2 && t <= Type::kVectorFloat4; }

// Element type of a typed or fixed-size vector.
Type element_type(Type t) {
  switch (t) {
    case Type::kVectorInt:
    case Type::kVectorInt2:
    case Type::kVectorInt3:
    case Type::kVectorInt4:
      return Type::kInt;
    case Type::kVectorUInt:
    case Type::kVectorUInt2:
    case Type::kVectorUInt3:
    case Type::kVectorUInt4:
      return Type::kUInt;
    case Type::kVectorFloat:
    case Type::kVectorFloat2:
    case Type::kVectorFloat3:
    case Type::kVectorFloat4:
      return Type::kFloat;
    case Type::kVectorKey:
      return Type::kKey;
    case Type::kVectorStringDeprecated:
      return Type::kString;
    case Type::kVectorBool:
      return Type::kBool;
    default:
      return Type::kNull;
  }
}

size_t fixed_count(Type t) {
  const auto code = static_cast<uint8_t>(t);
  return static_cast<size_t>((code - static_cast<uint8_t>(Type::kVectorInt2)) / 3 + 2);
}

[[noreturn]] void bad(const std::string& what, size_t at) {
  throw Error(msg("FlexBuffer: ", what, " at byte ", at));
}

}  // namespace

const char* type_name(Type type) {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kInt:
      return "int";
    case Type::kUInt:
      return "uint";
    case Type::kFloat:
      return "float";
    case Type::kKey:
      return "key";
    case Type::kString:
      return "string";
    case Type::kIndirectInt:
      return "indirect int";
    case Type::kIndirectUInt:
      return "indirect uint";
    case Type::kIndirectFloat:
      return "indirect float";
    case Type::kMap:
      return "map";
    case Type::kVector:
      return "vector";
    case Type::kVectorInt:
    case Type::kVectorInt2:
    case Type::kVectorInt3:
    case Type::kVectorInt4:
      return "vector of int";
    case Type::kVectorUInt:
    case Type::kVectorUInt2:
    case Type::kVectorUInt3:
    case Type::kVectorUInt4:
      return "vector of uint";
    case Type::kVectorFloat:
    case Type::kVectorFloat2:
    case Type::kVectorFloat3:
    case Type::kVectorFloat4:
      return "vector of float";
    case Type::kVectorKey:
      return "vector of key";
    case Type::kVectorStringDeprecated:
      return "vector of string";
    case Type::kBlob:
      return "blob";
    case Type::kBool:
      return "bool";
    case Type::kVectorBool:
      return "vector of bool";
  }
  return "unknown";
}

Value::Value(const uint8_t* begin, const uint8_t* end, const uint8_t* data, uint8_t parent_width,
             uint8_t packed_type, const uint8_t* limit)
    : begin_(begin), end_(end), data_(data), limit_(limit), parent_width_(parent_width) {
  const auto at = static_cast<size_t>(data - begin);
  if (!valid_width(parent_width)) bad(msg("value width ", int(parent_width)), at);
  if (data < begin || data > end || static_cast<size_t>(end - data) < parent_width)
    bad(msg("a ", int(parent_width), "-byte value does not fit in the buffer"), at);
  const uint8_t code = packed_type >> 2;
  if (!known_type(code)) bad(msg("unknown type code ", int(code)), at);
  type_ = static_cast<Type>(code);
  byte_width_ = static_cast<uint8_t>(1u << (packed_type & 3));
}

bool Value::is_vector() const {
  return type_ == Type::kVector || is_typed_vector(type_) || is_fixed_vector(type_);
}

const uint8_t* Value::target() const {
  const uint64_t offset = read_uint(data_, parent_width_);
  const auto at = position();
  // Children are written before what refers to them: offsets point backwards (0 only for
  // an empty container, which container() then finds ends where it starts).
  if (offset > at)
    bad(msg("offset ", offset, " of a ", type_name(type_), " points before byte 0"), at);
  return data_ - offset;
}

void Value::container(const uint8_t** elements, size_t* count, uint8_t* width) const {
  const uint8_t* t = target();
  const auto at = static_cast<size_t>(t - begin_);
  const uint8_t bw = byte_width_;
  if (type_ == Type::kKey) {
    const void* nul = std::memchr(t, 0, static_cast<size_t>(limit_ > t ? limit_ - t : 0));
    if (!nul) bad("a key without its terminating NUL before its container", at);
    *elements = t;
    *count = static_cast<size_t>(static_cast<const uint8_t*>(nul) - t);
    *width = 1;
    return;
  }
  const size_t room = static_cast<size_t>(end_ - t);  // bytes from the target to the end
  size_t extent = 0;                                  // bytes from the target to its end
  if (is_fixed_vector(type_)) {
    *count = fixed_count(type_);
    if (*count > room / bw) bad(msg("a ", type_name(type_), " runs past the end"), at);
    extent = *count * bw;
  } else {
    const size_t fields = type_ == Type::kMap ? 3 : 1;  // map: keys offset, keys width, size
    if (at < fields * bw)
      bad(msg("the size field of a ", type_name(type_), " is before byte 0"), at);
    const uint64_t n = read_uint(t - bw, bw);
    const bool bytes = type_ == Type::kString || type_ == Type::kBlob;
    const size_t elem = bytes ? 1 : bw;
    // Untyped vectors and maps keep one type byte per element after the elements.
    const size_t per = type_ == Type::kVector || type_ == Type::kMap ? elem + 1 : elem;
    const size_t nul = type_ == Type::kString ? 1 : 0;
    if (room < nul || n > (room - nul) / per)
      bad(msg("a ", type_name(type_), " of ", n, " elements runs past the end"), at);
    *count = static_cast<size_t>(n);
    extent = *count * per + nul;
    if (type_ == Type::kString && t[*count] != 0) bad("a string without its NUL", at);
  }
  if (t + extent > limit_)
    bad(msg("a ", type_name(type_), " overlaps the value that refers to it (children come first)"),
        at);
  *elements = t;
  *width = (type_ == Type::kString || type_ == Type::kBlob) ? 1 : bw;
}

const uint8_t* Value::indirect_scalar() const {
  const uint8_t* t = target();
  if (t >= limit_ || static_cast<size_t>(limit_ - t) < byte_width_)
    bad("an indirect scalar overlaps what refers to it", position());
  return t;
}

Value Value::element(const uint8_t* elements, size_t count, uint8_t width, size_t i) const {
  // Children of this container must end before it starts.
  const size_t fields = type_ == Type::kMap ? 3 : (is_fixed_vector(type_) ? 0 : 1);
  const uint8_t* start = elements - fields * width;
  uint8_t packed;
  if (type_ == Type::kVector || type_ == Type::kMap) {
    packed = elements[count * width + i];
  } else {
    packed =
        static_cast<uint8_t>((static_cast<uint8_t>(element_type(type_)) << 2) | width_code(width));
  }
  return Value(begin_, end_, elements + i * width, width, packed, start);
}

size_t Value::size() const {
  if (type_ == Type::kString || type_ == Type::kBlob || type_ == Type::kMap || is_vector()) {
    const uint8_t* elements;
    size_t count;
    uint8_t width;
    container(&elements, &count, &width);
    return count;
  }
  bad(msg("size of a ", type_name(type_), " (not a vector, map, string or blob)"), position());
}

Value Value::at(size_t i) const {
  if (type_ != Type::kMap && !is_vector())
    bad(msg("element ", i, " of a ", type_name(type_), " (not a vector or map)"), position());
  const uint8_t* elements;
  size_t count;
  uint8_t width;
  container(&elements, &count, &width);
  if (i >= count) bad(msg("element ", i, " of a ", type_name(type_), " of ", count), position());
  return element(elements, count, width, i);
}

std::string Value::key_at(size_t i) const {
  if (type_ != Type::kMap) bad(msg("key ", i, " of a ", type_name(type_)), position());
  const uint8_t* elements;
  size_t count;
  uint8_t width;
  container(&elements, &count, &width);
  if (i >= count) bad(msg("key ", i, " of a map of ", count), position());
  // The keys: a vector of keys at the offset stored 3 fields before the values.
  const uint8_t* field = elements - 3 * size_t{width};
  const uint64_t keys_width = read_uint(elements - 2 * size_t{width}, width);
  const auto at = static_cast<size_t>(field - begin_);
  if (!valid_width(keys_width)) bad(msg("map keys width ", keys_width), at);
  const uint8_t packed = static_cast<uint8_t>((static_cast<uint8_t>(Type::kVectorKey) << 2) |
                                              width_code(static_cast<uint8_t>(keys_width)));
  const Value keys(begin_, end_, field, width, packed, field);
  if (keys.size() != count) bad(msg("a map of ", count, " values has ", keys.size(), " keys"), at);
  const Value key = keys.at(i);
  return key.as_string();
}

bool Value::find(const std::string& key, Value* out) const {
  if (type_ != Type::kMap) bad(msg("looked up \"", key, "\" in a ", type_name(type_)), position());
  const size_t n = size();
  for (size_t i = 0; i < n; ++i) {
    if (key_at(i) == key) {
      *out = at(i);
      return true;
    }
  }
  return false;
}

int64_t Value::as_int64() const {
  switch (type_) {
    case Type::kInt:
      return read_int(data_, parent_width_);
    case Type::kBool:
    case Type::kUInt: {
      const uint64_t v = read_uint(data_, parent_width_);
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        bad(msg("uint ", v, " does not fit an int64"), position());
      return static_cast<int64_t>(v);
    }
    case Type::kIndirectInt:
    case Type::kIndirectUInt: {
      const uint8_t* t = indirect_scalar();
      if (type_ == Type::kIndirectInt) return read_int(t, byte_width_);
      const uint64_t v = read_uint(t, byte_width_);
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        bad(msg("uint ", v, " does not fit an int64"), position());
      return static_cast<int64_t>(v);
    }
    default:
      bad(msg("expected an integer, found a ", type_name(type_)), position());
  }
}

uint64_t Value::as_uint64() const {
  if (type_ == Type::kUInt || type_ == Type::kBool) return read_uint(data_, parent_width_);
  if (type_ == Type::kIndirectUInt) return read_uint(indirect_scalar(), byte_width_);
  const int64_t v = as_int64();
  if (v < 0) bad(msg("expected an unsigned integer, found ", v), position());
  return static_cast<uint64_t>(v);
}

double Value::as_double() const {
  if (type_ == Type::kFloat || type_ == Type::kIndirectFloat) {
    const uint8_t* p = data_;
    uint8_t width = parent_width_;
    if (type_ == Type::kIndirectFloat) {
      p = indirect_scalar();
      width = byte_width_;
    }
    if (width != 4 && width != 8) bad(msg("a ", int(width), "-byte float"), position());
    return read_float(p, width);
  }
  if (type_ == Type::kUInt || type_ == Type::kIndirectUInt) return static_cast<double>(as_uint64());
  return static_cast<double>(as_int64());
}

bool Value::as_bool() const {
  switch (type_) {
    case Type::kBool:
    case Type::kUInt:
    case Type::kIndirectUInt:
      return as_uint64() != 0;
    case Type::kInt:
    case Type::kIndirectInt:
      return as_int64() != 0;
    default:
      bad(msg("expected a bool, found a ", type_name(type_)), position());
  }
}

std::string Value::as_string() const {
  if (type_ != Type::kString && type_ != Type::kKey)
    bad(msg("expected a string, found a ", type_name(type_)), position());
  const uint8_t* chars;
  size_t count;
  uint8_t width;
  container(&chars, &count, &width);
  return std::string(reinterpret_cast<const char*>(chars), count);
}

Value root(const uint8_t* data, size_t size) {
  if (!data || size < 3) throw Error(msg("FlexBuffer: ", size, " bytes, too short for a root"));
  const uint8_t width = data[size - 1];
  if (!valid_width(width))
    bad(msg("root width ", int(width), " (expected 1, 2, 4 or 8)"), size - 1);
  if (size - 2 < width) bad(msg("a ", int(width), "-byte root does not fit"), 0);
  const uint8_t* slot = data + size - 2 - width;
  return Value(data, data + size, slot, width, data[size - 2], slot);
}

namespace {

void verify_at(const Value& v, int depth) {
  if (depth > kMaxDepth) throw Error(msg("FlexBuffer: nested deeper than ", kMaxDepth));
  switch (v.type()) {
    case Type::kNull:
      return;
    case Type::kInt:
    case Type::kIndirectInt:
      (void)v.as_int64();
      return;
    case Type::kUInt:
    case Type::kIndirectUInt:
    case Type::kBool:
      (void)v.as_uint64();
      return;
    case Type::kFloat:
    case Type::kIndirectFloat:
      (void)v.as_double();
      return;
    case Type::kKey:
    case Type::kString:
      (void)v.as_string();
      return;
    case Type::kBlob:
      (void)v.size();
      return;
    case Type::kMap: {
      const size_t n = v.size();
      for (size_t i = 0; i < n; ++i) {
        (void)v.key_at(i);
        verify_at(v.at(i), depth + 1);
      }
      return;
    }
    default: {
      const size_t n = v.size();  // every vector kind
      for (size_t i = 0; i < n; ++i) verify_at(v.at(i), depth + 1);
      return;
    }
  }
}

void describe_at(const Value& v, std::string* out, size_t max_chars, int depth) {
  if (out->size() > max_chars) return;
  switch (v.type()) {
    case Type::kNull:
      *out += "null";
      return;
    case Type::kInt:
    case Type::kIndirectInt:
      *out += std::to_string(v.as_int64());
      return;
    case Type::kUInt:
    case Type::kIndirectUInt:
      *out += std::to_string(v.as_uint64());
      return;
    case Type::kBool:
      *out += v.as_bool() ? "true" : "false";
      return;
    case Type::kFloat:
    case Type::kIndirectFloat:
      *out += msg(v.as_double());
      return;
    case Type::kKey:
    case Type::kString: {
      *out += '"';
      for (char c : v.as_string())
        out->push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
      *out += '"';
      return;
    }
    case Type::kBlob:
      *out += msg("<blob of ", v.size(), " bytes>");
      return;
    case Type::kMap: {
      if (depth >= kMaxDepth) throw Error(msg("FlexBuffer: nested deeper than ", kMaxDepth));
      *out += '{';
      const size_t n = v.size();
      for (size_t i = 0; i < n && out->size() <= max_chars; ++i) {
        if (i) *out += ", ";
        *out += '"' + v.key_at(i) + "\": ";
        describe_at(v.at(i), out, max_chars, depth + 1);
      }
      *out += '}';
      return;
    }
    default: {
      if (depth >= kMaxDepth) throw Error(msg("FlexBuffer: nested deeper than ", kMaxDepth));
      *out += '[';
      const size_t n = v.size();
      for (size_t i = 0; i < n && out->size() <= max_chars; ++i) {
        if (i) *out += ", ";
        describe_at(v.at(i), out, max_chars, depth + 1);
      }
      *out += ']';
      return;
    }
  }
}

}  // namespace

void verify(const Value& v) { verify_at(v, 0); }

std::string describe(const Value& v, size_t max_chars) {
  std::string out;
  describe_at(v, &out, max_chars, 0);
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "...";
  return out;
}

}  // namespace edge::nn::flexbuf
