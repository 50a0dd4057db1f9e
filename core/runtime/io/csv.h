// RFC 4180 CSV parsing for dataset metadata and sensor recordings.
//
// Accepts what real files contain: an optional UTF-8 byte-order mark, LF, CRLF
// or lone-CR line ends (mixed within one file too), quoted fields holding
// delimiters, doubled quotes ("") and line breaks, any single-byte delimiter
// (',' for ESC-50/UrbanSound8K, '\t' for DCASE), and a last line with or
// without a line end. Blank lines are kept as records with no fields, because
// gesture CSV files use them to separate recordings; callers that do not care
// skip them.
//
// Refused with edge::Error naming the source and line: a quote inside an
// unquoted field (`ab"c`), text after a closing quote (`"ab"c`), an unterminated
// quoted field, a NUL byte, and input over the size limit.
//
// Thread safety: the functions are pure; a CsvTable is immutable after parsing.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace edge::io {

struct CsvRecord {
  std::vector<std::string> fields;  // empty for a blank line
  size_t line = 0;                  // 1-based line where the record starts
  bool blank() const { return fields.empty(); }
};

struct CsvOptions {
  char delimiter = ',';
  // Larger inputs are refused rather than read (metadata files are far smaller).
  size_t max_bytes = size_t(512) << 20;
};

// Parses `text`; `source` names it in error messages (a path, "serial port"...).
std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& source,
                                 const CsvOptions& options = {});

// Reads a whole file as bytes; throws edge::Error naming the path when it is
// missing, unreadable, not a regular file (a directory, a FIFO, /dev/zero) or
// larger than max_bytes (io/regular_file.h).
std::string read_text_file(const std::string& path, size_t max_bytes = size_t(512) << 20);

// A CSV file with a header line: columns found by name, not position.
class CsvTable {
 public:
  // Parses `text` and takes the first non-blank record as the header; blank
  // lines after it are dropped. Header names are trimmed of surrounding spaces.
  // Every row must have exactly as many fields as the header (error otherwise,
  // naming the line and both counts).
  static CsvTable parse(const std::string& text, const std::string& source,
                        const CsvOptions& options = {});
  static CsvTable read(const std::string& path, const std::string& display_name,
                       const CsvOptions& options = {});

  const std::string& source() const { return source_; }
  const std::vector<std::string>& header() const { return header_; }
  const std::vector<CsvRecord>& rows() const { return rows_; }
  size_t header_line() const { return header_line_; }

  // Index of column `name`, or -1 when absent.
  int find_column(const std::string& name) const;
  // Index of column `name`; throws naming the source, the column and the header found.
  int require_column(const std::string& name) const;

 private:
  std::string source_;
  std::vector<std::string> header_;
  size_t header_line_ = 0;
  std::vector<CsvRecord> rows_;
};

// Helpers for fields (trimmed of spaces and tabs, edge::trim): parse a whole field as a number.
// True and *out set when `text` (trimmed) is a complete base-10 integer within int range.
bool parse_int(const std::string& text, int* out);
// True and *out set when `text` (trimmed) is a complete finite decimal number.
bool parse_float(const std::string& text, float* out);

}  // namespace edge::io
