// Gesture recordings as an Arduino sketch prints them over serial: one CSV
// file per class, a header of channel names (e.g. aX,aY,aZ,gX,gY,gZ), one
// sample per line, LF or CRLF, and either a blank line after each recording or
// no separators and a fixed number of rows per recording (the Arduino
// GestureToEmoji tutorial uses 119).
//
// A malformed row (wrong field count, a field that is not a finite number)
// throws edge::Error naming the file, the line and the field.
//
// Thread safety: plain values; parsing is reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edge::datasets {

struct GestureRecording {
  int64_t first_row = 0;  // index of its first data row in GestureFile::values rows
  int64_t row_count = 0;
  size_t line = 0;  // 1-based line of its first row in the file
};

struct GestureFile {
  std::vector<std::string> channels;  // from the header
  std::vector<float> values;          // all data rows, row-major: row * channels + channel
  std::vector<GestureRecording> recordings;

  int64_t rows() const {
    return channels.empty() ? 0 : static_cast<int64_t>(values.size() / channels.size());
  }
  const float* row(int64_t index) const { return values.data() + index * channels.size(); }
};

// rows_per_recording: 0 = split at blank lines (runs of blank lines count as
// one separator); N > 0 = consecutive N rows per recording, blank lines ignored,
// and a last incomplete recording is an error naming its line and row count.
GestureFile parse_gesture_csv(const std::string& text, const std::string& name,
                              int rows_per_recording);
GestureFile read_gesture_csv(const std::string& path, const std::string& name,
                             int rows_per_recording);

}  // namespace edge::datasets
