#include "datasets/gesture_csv.h"

#include "common/error.h"
#include "common/text.h"
#include "io/csv.h"

namespace edge::datasets {

GestureFile parse_gesture_csv(const std::string& text, const std::string& name,
                              int rows_per_recording) {
  if (rows_per_recording < 0) {
    throw Error(msg(name, ": rows per recording must be 0 (blank-line separated) or more, got ",
                    rows_per_recording));
  }
  std::vector<io::CsvRecord> records = io::parse_csv(text, name);
  GestureFile file;
  size_t i = 0;
  while (i < records.size() && records[i].blank()) ++i;
  if (i == records.size()) throw Error(msg(name, ": empty file, expected a header line"));
  const io::CsvRecord& header = records[i];
  bool all_numeric = true;
  for (const std::string& field : header.fields) {
    std::string channel = trim(field);
    float unused;
    if (!io::parse_float(channel, &unused)) all_numeric = false;
    if (channel.empty()) {
      throw Error(msg(name, " line ", header.line, ": empty channel name in the header"));
    }
    file.channels.push_back(channel);
  }
  if (all_numeric) {
    throw Error(
        msg(name, " line ", header.line,
            ": expected a header of channel names (e.g. aX,aY,aZ,gX,gY,gZ), found numbers"));
  }
  const size_t channels = file.channels.size();
  GestureRecording current;
  bool open = false;
  auto close_recording = [&]() {
    if (open && current.row_count > 0) file.recordings.push_back(current);
    open = false;
  };
  for (++i; i < records.size(); ++i) {
    const io::CsvRecord& record = records[i];
    if (record.blank()) {
      if (rows_per_recording == 0) close_recording();
      continue;
    }
    if (record.fields.size() != channels) {
      throw Error(msg(name, " line ", record.line, ": ", record.fields.size(), " fields, expected ",
                      channels, " (one per header channel)"));
    }
    if (!open) {
      current = GestureRecording{file.rows(), 0, record.line};
      open = true;
    }
    for (size_t c = 0; c < channels; ++c) {
      float value;
      if (!io::parse_float(record.fields[c], &value)) {
        throw Error(msg(name, " line ", record.line, ": field ", c + 1, " (", file.channels[c],
                        ") is '", record.fields[c], "', expected a finite number"));
      }
      file.values.push_back(value);
    }
    ++current.row_count;
    if (rows_per_recording > 0 && current.row_count == rows_per_recording) close_recording();
  }
  if (rows_per_recording > 0 && open) {
    throw Error(msg(name, " line ", current.line, ": last recording has ", current.row_count,
                    " rows, expected ", rows_per_recording,
                    " (gesture rows per recording); the file ends mid-recording"));
  }
  close_recording();
  return file;
}

GestureFile read_gesture_csv(const std::string& path, const std::string& name,
                             int rows_per_recording) {
  return parse_gesture_csv(io::read_text_file(path), name, rows_per_recording);
}

}  // namespace edge::datasets
