// libFuzzer target: the RFC 4180 parser, header tables and gesture CSV on
// arbitrary bytes. The first byte picks the delimiter and gesture row count.
// Invariants: only edge::Error escapes; record lines never go backwards and
// never exceed the input's line count; the header table's rows all have the
// header's width; gesture recordings tile the parsed rows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "datasets/gesture_csv.h"
#include "io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char kDelimiters[4] = {',', '\t', ';', '|'};
  edge::io::CsvOptions options;
  options.delimiter = kDelimiters[data[0] & 3];
  const int gesture_rows = (data[0] >> 2) & 7;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t line_ends = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))) {
      ++line_ends;
    }
  }
  try {
    auto records = edge::io::parse_csv(text, "fuzz.csv", options);
    size_t last = 0;
    for (const auto& r : records) {
      if (r.line < 1 || r.line < last || r.line > line_ends) std::abort();
      last = r.line;
    }
  } catch (const edge::Error&) {
  }
  try {
    auto table = edge::io::CsvTable::parse(text, "fuzz.csv", options);
    for (const auto& r : table.rows()) {
      if (r.fields.size() != table.header().size()) std::abort();
    }
    (void)table.find_column("filename");
  } catch (const edge::Error&) {
  }
  try {
    auto file = edge::datasets::parse_gesture_csv(text, "fuzz.csv", gesture_rows);
    int64_t next = 0;
    for (const auto& rec : file.recordings) {
      if (rec.first_row != next || rec.row_count <= 0) std::abort();
      if (gesture_rows > 0 && rec.row_count != gesture_rows) std::abort();
      next += rec.row_count;
    }
    if (next != file.rows()) std::abort();
  } catch (const edge::Error&) {
  }
  return 0;
}
