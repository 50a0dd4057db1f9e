// Reading a small file that a person named (a labels file, a statistics file): refused unless it
// is a regular file no larger than a bound, so a FIFO, a device (/dev/urandom) or a huge file
// named by mistake is an error at once instead of a read that never ends or fills memory.
//
// Thread safety: reentrant.
#pragma once

#include <cstddef>
#include <string>

namespace edge {

// The whole file at `path` (a `noun` such as "labels file" names it in messages). Throws
// edge::Error starting with the path: "<path>: cannot read the labels file: <reason>", when it
// is not a regular file, or when it holds more than `max_bytes` bytes (also when it grows past
// that while being read). Opening never blocks (O_NONBLOCK: a FIFO is refused, not waited on).
std::string read_regular_file(const std::string& path, const std::string& noun, size_t max_bytes);

}  // namespace edge
