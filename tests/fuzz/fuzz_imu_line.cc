// libFuzzer target: the IMU CSV line parser on arbitrary bytes in arbitrary
// chunkings. The first input byte picks the config (channels 0..7, a small
// max line length) and the chunk size, so long lines, field-count changes and
// split CRLFs are all reached. Invariants checked: every consumed byte is
// accounted for, frames carry channels() finite values, counters add up.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "io/imu_line.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  edge::io::ImuLineConfig cfg;
  cfg.channels = data[0] & 7;
  cfg.max_line_length = 8 + ((data[0] >> 3) & 3) * 24;
  const size_t chunk = 1 + (data[0] >> 5);
  edge::io::ImuLineParser parser(cfg);
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  const size_t n = size - 1;
  edge::io::ParsedLine line;
  uint64_t seen[5] = {0, 0, 0, 0, 0};
  auto check = [&](const edge::io::ParsedLine& l) {
    seen[static_cast<int>(l.kind)]++;
    if (l.kind == edge::io::LineKind::kFrame) {
      if (parser.channels() < 1 || parser.channels() > edge::io::ImuLineConfig::kMaxChannels)
        std::abort();
      for (int i = 0; i < parser.channels(); ++i)
        if (!std::isfinite(l.values[i])) std::abort();
    }
    if (l.text.size() > cfg.max_line_length + 1) std::abort();
    (void)edge::io::escape_for_message(l.text);
  };
  for (size_t pos = 0; pos < n;) {
    const size_t len = n - pos < chunk ? n - pos : chunk;
    size_t off = 0;
    while (off < len) {
      const size_t used = parser.consume(bytes + pos + off, len - off, &line);
      if (used == 0 || used > len - off) std::abort();
      off += used;
      if (line.kind != edge::io::LineKind::kNone) check(line);
    }
    pos += len;
  }
  if (parser.finish(&line)) check(line);
  const auto& c = parser.counters();
  if (c.frames != seen[1] || c.headers != seen[2] || c.separators != seen[3] ||
      c.bad_lines != seen[4] || c.lines != c.frames + c.headers + c.separators + c.bad_lines)
    std::abort();
  return 0;
}
