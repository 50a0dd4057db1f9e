#include "io/csv.h"

#include <locale.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/error.h"
#include "common/text.h"
#include "io/regular_file.h"

namespace edge::io {
namespace {

// Renders a byte for an error message: printable as is, others as \xNN.
std::string show_byte(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", u);
  return buf;
}

}  // namespace

std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& source,
                                 const CsvOptions& options) {
  if (text.size() > options.max_bytes) {
    throw Error(msg(source, ": ", text.size(), " bytes is over the limit of ", options.max_bytes,
                    " bytes for a CSV file"));
  }
  const char delim = options.delimiter;
  if (delim == '"' || delim == '\n' || delim == '\r' || delim == '\0') {
    throw Error(msg(source, ": invalid CSV delimiter ", show_byte(delim)));
  }
  std::vector<CsvRecord> records;
  size_t pos = 0;
  const size_t n = text.size();
  if (n >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;  // UTF-8 BOM
  size_t line = 1;

  // Consumes one line end at pos (LF, CRLF or CR); returns false if none.
  auto eat_line_end = [&]() {
    if (pos < n && text[pos] == '\r') {
      ++pos;
      if (pos < n && text[pos] == '\n') ++pos;
      ++line;
      return true;
    }
    if (pos < n && text[pos] == '\n') {
      ++pos;
      ++line;
      return true;
    }
    return false;
  };

  while (pos < n) {
    CsvRecord record;
    record.line = line;
    if (eat_line_end()) {  // blank line
      records.push_back(std::move(record));
      continue;
    }
    // One record: fields until a line end or the end of input.
    while (true) {
      std::string field;
      if (pos < n && text[pos] == '"') {
        const size_t open_line = line;
        ++pos;
        bool closed = false;
        while (pos < n) {
          char c = text[pos];
          if (c == '"') {
            if (pos + 1 < n && text[pos + 1] == '"') {
              field.push_back('"');
              pos += 2;
              continue;
            }
            ++pos;
            closed = true;
            break;
          }
          if (c == '\0') throw Error(msg(source, " line ", line, ": NUL byte inside a field"));
          if (c == '\n' || (c == '\r' && !(pos + 1 < n && text[pos + 1] == '\n'))) ++line;
          field.push_back(c);
          ++pos;
        }
        if (!closed) {
          throw Error(msg(source, " line ", open_line,
                          ": quoted field is not closed before the end of the file"));
        }
        if (pos < n && text[pos] != delim && text[pos] != '\r' && text[pos] != '\n') {
          throw Error(msg(source, " line ", line, ": unexpected ", show_byte(text[pos]),
                          " after a closing quote (expected the delimiter ", show_byte(delim),
                          " or a line end)"));
        }
      } else {
        while (pos < n) {
          char c = text[pos];
          if (c == delim || c == '\r' || c == '\n') break;
          if (c == '"') {
            throw Error(msg(source, " line ", line,
                            ": quote inside an unquoted field (quote the whole field and "
                            "double the quote: \"a\"\"b\")"));
          }
          if (c == '\0') throw Error(msg(source, " line ", line, ": NUL byte inside a field"));
          field.push_back(c);
          ++pos;
        }
      }
      record.fields.push_back(std::move(field));
      if (pos < n && text[pos] == delim) {
        ++pos;
        continue;  // a delimiter at the end of input still yields one more empty field
      }
      eat_line_end();
      break;
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::string read_text_file(const std::string& path, size_t max_bytes) {
  return read_regular_file(path, max_bytes);
}

CsvTable CsvTable::parse(const std::string& text, const std::string& source,
                         const CsvOptions& options) {
  CsvTable table;
  table.source_ = source;
  std::vector<CsvRecord> records = parse_csv(text, source, options);
  size_t i = 0;
  while (i < records.size() && records[i].blank()) ++i;
  if (i == records.size()) throw Error(msg(source, ": empty file, expected a header line"));
  table.header_line_ = records[i].line;
  for (const std::string& name : records[i].fields) table.header_.push_back(trim(name));
  for (++i; i < records.size(); ++i) {
    CsvRecord& r = records[i];
    if (r.blank()) continue;
    if (r.fields.size() != table.header_.size()) {
      throw Error(msg(source, " line ", r.line, ": ", r.fields.size(), " fields, expected ",
                      table.header_.size(), " as in the header"));
    }
    table.rows_.push_back(std::move(r));
  }
  return table;
}

CsvTable CsvTable::read(const std::string& path, const std::string& display_name,
                        const CsvOptions& options) {
  return parse(read_text_file(path, options.max_bytes), display_name, options);
}

int CsvTable::find_column(const std::string& name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

int CsvTable::require_column(const std::string& name) const {
  int index = find_column(name);
  if (index < 0) {
    std::string found;
    for (const std::string& h : header_) found += (found.empty() ? "" : ",") + h;
    throw Error(msg(source_, " line ", header_line_, ": missing column '", name,
                    "' (header has: ", found, ")"));
  }
  return index;
}

bool parse_int(const std::string& text, int* out) {
  std::string t = trim(text);
  if (t.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(t.c_str(), &end, 10);
  if (errno != 0 || end != t.c_str() + t.size() || value < INT_MIN || value > INT_MAX) {
    return false;
  }
  *out = static_cast<int>(value);
  return true;
}

bool parse_float(const std::string& text, float* out) {
  // strtod follows the process locale (a German locale expects "0,5"); data
  // files always use '.', so parse in the C locale.
  static locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  std::string t = trim(text);
  if (t.empty() || c_locale == static_cast<locale_t>(0)) return false;
  char* end = nullptr;
  const double value = strtod_l(t.c_str(), &end, c_locale);
  // Overflow gives +-HUGE_VAL (not finite); underflow a tiny value, which is fine.
  if (end != t.c_str() + t.size() || !std::isfinite(value)) return false;
  if (std::fabs(value) > 3.4028234663852886e38) return false;  // does not fit a float
  *out = static_cast<float>(value);
  return true;
}

}  // namespace edge::io
