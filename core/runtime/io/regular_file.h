// Files named by untrusted input: refused by type, read with a bound, shown with a bound.
//
// A path that a dataset, a manifest or a command line names may be a FIFO (open() blocks until
// a writer comes, read() until it writes), a character device (/dev/zero, /dev/urandom never
// end; a tty blocks) or a socket. Where a regular file is expected these are refused by type
// before a byte is read: the file is opened with O_NONBLOCK (so opening a FIFO never waits)
// and checked with fstat() on the open descriptor (so the check and the read are on the same
// file, with no window to swap it). Reads are bounded by a byte limit given by the caller.
//
// Names from metadata can be anything: 5 MB long, control characters, bytes that are not
// UTF-8. printable() renders such text for a message with a bound, and valid_utf8() says
// whether text can go into a JSON manifest or a NumPy '<U' array as it is.
//
// Thread safety: every function is reentrant.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace edge::io {

// "a FIFO", "a directory", "a character device", ... for messages.
const char* file_type_name(mode_t mode);

// Opens `path` for reading without blocking and checks that it is a regular file. Returns the
// descriptor (blocking mode restored; the caller closes it); `*size` (may be null) gets its
// size. Throws edge::Error "<display>: <reason>" (display defaults to the path) when it is
// missing, unreadable or not a regular file ("is a FIFO, not a regular file").
int open_regular_file(const std::string& path, size_t* size = nullptr,
                      const std::string& display = "");
// The same without throwing: -1 and `*problem` = the reason without the name ("cannot open:
// No such file or directory", "is a FIFO, not a regular file").
int try_open_regular_file(const std::string& path, size_t* size, std::string* problem);

// Reads a whole regular file of at most `max_bytes` bytes; throws (as above) when it is not a
// regular file, is larger, or grows past the limit while being read.
std::string read_regular_file(const std::string& path, size_t max_bytes,
                              const std::string& display = "");

// Creates `path` and its missing parents (mode 0755); fine when it exists as a directory.
// Throws edge::Error naming the first folder that cannot be made, or a path that exists but
// is not a directory.
void make_directories(const std::string& path);

// True when `text` is valid UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF); otherwise false and `*bad_offset` (may be null) = offset of the first bad byte.
bool valid_utf8(const std::string& text, size_t* bad_offset = nullptr);

// `text` for an error message: bytes that are not printable (control characters, invalid
// UTF-8) as \xNN, and at most about `max_bytes` of it: a longer text is cut with
// "...[N bytes in all]". Valid multi-byte UTF-8 is kept as is.
std::string printable(const std::string& text, size_t max_bytes = 160);

}  // namespace edge::io
