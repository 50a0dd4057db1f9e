#include "store/npy.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "io/regular_file.h"

namespace edge::store {

namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// The writer reserves this many bytes for magic, version, length and dictionary, so the
// header can be rewritten in place with the final row count; 64-byte aligned as numpy does.
constexpr size_t kReservedHeader = 128;

// A small parser for the Python literal dictionary numpy writes.
class DictParser {
 public:
  DictParser(const std::string& text, const std::string& name) : s_(text), name_(name) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    skip_space();
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      std::string key = parse_string();
      skip_space();
      expect(':');
      skip_space();
      if (key == "descr") {
        h.descr = parse_string();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = parse_bool();
        have_order = true;
      } else if (key == "shape") {
        h.shape = parse_tuple();
        have_shape = true;
      } else {
        fail("unknown header key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      if (peek() != '}') fail("expected ',' or '}' in the header dictionary");
    }
    if (!have_descr || !have_order || !have_shape)
      fail("header dictionary needs 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& why) {
    throw Error(msg(name_, ": not a valid .npy header: ", why));
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string parse_string() {
    char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string");
    ++pos_;
    size_t end = s_.find(quote, pos_);
    if (end == std::string::npos) fail("unterminated string");
    std::string out = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }
  bool parse_bool() {
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<int64_t> parse_tuple() {
    expect('(');
    std::vector<int64_t> dims;
    while (true) {
      skip_space();
      if (peek() == ')') {
        ++pos_;
        return dims;
      }
      int64_t v = 0;
      size_t digits = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) fail("dimension too large");
        v = v * 10 + (s_[pos_++] - '0');
        ++digits;
      }
      if (peek() == 'L') ++pos_;  // Python 2 long suffix
      if (!digits) fail("expected a dimension");
      dims.push_back(v);
      if (dims.size() > 32) fail("more than 32 dimensions");
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the shape");
      }
    }
  }

  const std::string& s_;
  const std::string& name_;
  size_t pos_ = 0;
};

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    out += std::to_string(shape[i]);
    out += shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : "");
  }
  return out + ")";
}

}  // namespace

int64_t NpyHeader::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

size_t npy_item_size(const std::string& descr) {
  if (descr == "<f4" || descr == "<i4") return 4;
  if (descr == "|i1" || descr == "<i1" || descr == "|u1") return 1;
  if (descr == "<i2") return 2;
  if (descr == "<i8") return 8;
  if (descr.size() > 2 && descr.compare(0, 2, "<U") == 0) {
    size_t width = 0;
    for (size_t i = 2; i < descr.size(); ++i) {
      if (descr[i] < '0' || descr[i] > '9' || width > 1000000) return 0;
      width = width * 10 + size_t(descr[i] - '0');
    }
    return width * 4;
  }
  return 0;
}

NpyHeader parse_npy_header(const uint8_t* data, size_t size, const std::string& name) {
  if (size < kMagicSize + 4 || std::memcmp(data, kMagic, kMagicSize) != 0)
    throw Error(msg(name, ": not a .npy file (no \\x93NUMPY magic)"));
  const uint8_t major = data[6];
  size_t header_len, prefix;
  if (major == 1) {
    header_len = size_t(data[8]) | (size_t(data[9]) << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) throw Error(msg(name, ": truncated .npy header"));
    header_len = size_t(data[8]) | (size_t(data[9]) << 8) | (size_t(data[10]) << 16) |
                 (size_t(data[11]) << 24);
    prefix = 12;
  } else {
    throw Error(msg(name, ": unsupported .npy format version ", int(major)));
  }
  if (header_len > size - prefix)
    throw Error(msg(name, ": truncated .npy header (needs ", header_len, " bytes)"));
  std::string text(reinterpret_cast<const char*>(data + prefix), header_len);
  NpyHeader h = DictParser(text, name).parse();
  h.data_offset = prefix + header_len;
  h.item_size = npy_item_size(h.descr);
  if (!h.item_size) throw Error(msg(name, ": unsupported element type '", h.descr, "'"));
  if (h.fortran_order) throw Error(msg(name, ": Fortran-ordered arrays are not supported"));
  // The element count must not overflow when multiplied by the item size.
  uint64_t bytes = h.item_size;
  for (int64_t d : h.shape) {
    if (d != 0 && bytes > std::numeric_limits<uint64_t>::max() / uint64_t(d))
      throw Error(msg(name, ": shape ", shape_text(h.shape), " is too large"));
    bytes *= uint64_t(d);
  }
  return h;
}

NpyWriter::NpyWriter(const std::string& path, const std::string& descr,
                     std::vector<int64_t> row_shape)
    : path_(path), descr_(descr), row_shape_(std::move(row_shape)) {
  const size_t item = npy_item_size(descr_);
  if (!item) throw Error(msg(path_, ": unsupported .npy element type '", descr_, "'"));
  row_bytes_ = item;
  for (int64_t d : row_shape_) {
    if (d <= 0) throw Error(msg(path_, ": row dimensions must be positive"));
    row_bytes_ *= size_t(d);
  }
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_) throw Error(msg("cannot create ", path_, ": ", std::strerror(errno)));
  write_header();
}

NpyWriter::~NpyWriter() {
  if (file_) std::fclose(file_);
}

void NpyWriter::write_header() {
  std::vector<int64_t> shape = {rows_};
  shape.insert(shape.end(), row_shape_.begin(), row_shape_.end());
  std::string dict =
      "{'descr': '" + descr_ + "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  if (dict.size() + 1 > kReservedHeader - 10)
    throw Error(msg(path_, ": .npy header too long for shape ", shape_text(shape)));
  dict.append(kReservedHeader - 10 - dict.size() - 1, ' ');
  dict += '\n';
  uint8_t prefix[10];
  std::memcpy(prefix, kMagic, kMagicSize);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix[8] = uint8_t(dict.size() & 0xff);
  prefix[9] = uint8_t(dict.size() >> 8);
  if (std::fseek(file_, 0, SEEK_SET) != 0 || std::fwrite(prefix, 1, 10, file_) != 10 ||
      std::fwrite(dict.data(), 1, dict.size(), file_) != dict.size() ||
      std::fseek(file_, 0, SEEK_END) != 0)
    throw Error(msg("cannot write ", path_, ": ", std::strerror(errno)));
}

void NpyWriter::append(const void* row) {
  if (std::fwrite(row, 1, row_bytes_, file_) != row_bytes_)
    throw Error(msg("cannot write ", path_, ": ", std::strerror(errno)));
  ++rows_;
}

void NpyWriter::finish() {
  write_header();
  if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0)
    throw Error(msg("cannot write ", path_, ": ", std::strerror(errno)));
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) throw Error(msg("cannot write ", path_, ": ", std::strerror(errno)));
}

NpyArray read_npy(const std::string& path) {
  // A regular file only (a FIFO or /dev/zero in a dataset folder would block or never end),
  // read up to the size it had when opened.
  size_t size = 0;
  const int fd = io::open_regular_file(path, &size);
  std::vector<uint8_t> all(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, all.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "the file shrank while being read";
      ::close(fd);
      throw Error(msg(path, ": read error: ", why));
    }
    done += size_t(n);
  }
  ::close(fd);
  NpyArray array;
  array.header = parse_npy_header(all.data(), all.size(), path);
  const uint64_t expected = uint64_t(array.header.elements()) * array.header.item_size;
  if (all.size() - array.header.data_offset != expected)
    throw Error(msg(path, ": data is ", all.size() - array.header.data_offset,
                    " bytes but the header's shape ", shape_text(array.header.shape), " needs ",
                    expected));
  array.bytes.assign(all.begin() + long(array.header.data_offset), all.end());
  return array;
}

std::vector<float> npy_as_float(const NpyArray& array, const std::string& name) {
  if (array.header.descr != "<f4")
    throw Error(msg(name, ": expected float32 ('<f4') data, found '", array.header.descr, "'"));
  std::vector<float> out(array.bytes.size() / 4);
  std::memcpy(out.data(), array.bytes.data(), out.size() * 4);
  return out;
}

std::vector<int64_t> npy_as_int(const NpyArray& array, const std::string& name) {
  const std::string& d = array.header.descr;
  const size_t n = size_t(array.header.elements());
  std::vector<int64_t> out(n);
  const uint8_t* p = array.bytes.data();
  for (size_t i = 0; i < n; ++i) {
    if (d == "|i1" || d == "<i1") {
      out[i] = int8_t(p[i]);
    } else if (d == "<i2") {
      int16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      out[i] = v;
    } else if (d == "<i4") {
      int32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      out[i] = v;
    } else if (d == "<i8") {
      std::memcpy(&out[i], p + 8 * i, 8);
    } else {
      throw Error(msg(name, ": expected integer data, found '", d, "'"));
    }
  }
  return out;
}

std::vector<std::string> npy_as_strings(const NpyArray& array, const std::string& name) {
  const std::string& d = array.header.descr;
  if (d.compare(0, 2, "<U") != 0)
    throw Error(msg(name, ": expected a unicode string array, found '", d, "'"));
  const size_t width = array.header.item_size / 4;
  const size_t n = size_t(array.header.elements());
  std::vector<std::string> out(n);
  for (size_t i = 0; i < n; ++i) {
    std::string& s = out[i];
    for (size_t k = 0; k < width; ++k) {
      uint32_t c;
      std::memcpy(&c, array.bytes.data() + (i * width + k) * 4, 4);
      if (c == 0) break;
      if (c < 0x80) {
        s += char(c);
      } else if (c < 0x800) {
        s += char(0xc0 | (c >> 6));
        s += char(0x80 | (c & 0x3f));
      } else if (c < 0x10000) {
        s += char(0xe0 | (c >> 12));
        s += char(0x80 | ((c >> 6) & 0x3f));
        s += char(0x80 | (c & 0x3f));
      } else if (c < 0x110000) {
        s += char(0xf0 | (c >> 18));
        s += char(0x80 | ((c >> 12) & 0x3f));
        s += char(0x80 | ((c >> 6) & 0x3f));
        s += char(0x80 | (c & 0x3f));
      } else {
        throw Error(msg(name, ": invalid code point in string ", i));
      }
    }
  }
  return out;
}

void utf8_to_utf32_cell(const std::string& text, size_t width, uint32_t* cell) {
  size_t k = 0;
  for (size_t i = 0; i < text.size() && k < width;) {
    const auto b = uint8_t(text[i]);
    uint32_t c;
    size_t len;
    if (b < 0x80) {
      c = b;
      len = 1;
    } else if ((b >> 5) == 6) {
      c = b & 0x1f;
      len = 2;
    } else if ((b >> 4) == 14) {
      c = b & 0x0f;
      len = 3;
    } else if ((b >> 3) == 30) {
      c = b & 0x07;
      len = 4;
    } else {
      c = 0xfffd;  // invalid lead byte
      len = 1;
    }
    if (len > 1) {
      if (i + len > text.size()) {
        c = 0xfffd;
        len = text.size() - i;
      } else {
        for (size_t j = 1; j < len; ++j) c = (c << 6) | (uint8_t(text[i + j]) & 0x3f);
      }
    }
    cell[k++] = c;
    i += len;
  }
  for (; k < width; ++k) cell[k] = 0;
}

}  // namespace edge::store
