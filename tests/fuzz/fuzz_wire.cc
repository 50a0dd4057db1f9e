// libFuzzer target: the wire-format decoder, which reads every message a network peer
// sends to edgezmqsrc. Input layout (the seeds in corpus/wire/ follow it): a sequence
// of frames, each a 4-byte little-endian length and that many bytes; a length past
// the end takes what is left.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<edge::net::Frame> frames;
  size_t pos = 0;
  while (pos + 4 <= size && frames.size() < 40) {
    const uint32_t len = uint32_t{data[pos]} | uint32_t{data[pos + 1]} << 8 |
                         uint32_t{data[pos + 2]} << 16 | uint32_t{data[pos + 3]} << 24;
    pos += 4;
    const size_t take = len < size - pos ? len : size - pos;
    frames.push_back({data + pos, take});
    pos += take;
  }
  edge::net::WireMessage message;
  edge::net::DecodeError error;
  if (edge::net::decode_message(frames.data(), frames.size(), 1 << 20, &message, &error)) {
    // A decoded message re-encodes, and decodes to the same header.
    std::string header;
    edge::net::encode_header(message, &header);
    frames[0] = {header.data(), header.size()};
    edge::net::WireMessage again;
    if (!edge::net::decode_message(frames.data(), frames.size(), 1 << 20, &again, &error))
      __builtin_trap();
    if (again.seq != message.seq || again.caps != message.caps ||
        again.request != message.request || again.model != message.model)
      __builtin_trap();
  }
  return 0;
}
