#include "io/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/error.h"

namespace edge::io {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one
// (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
size_t utf8_sequence(const std::string& text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b = byte(i);
  if (b < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    len = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return len;
}

std::string shown(const std::string& path, const std::string& display) {
  return display.empty() ? path : display;
}

}  // namespace

const char* file_type_name(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

int try_open_regular_file(const std::string& path, size_t* size, std::string* problem) {
  // O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    *problem = msg("cannot open: ", std::strerror(errno));
    return -1;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    *problem = msg("cannot stat: ", std::strerror(errno));
    ::close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    *problem = msg("is ", file_type_name(st.st_mode), ", not a regular file");
    ::close(fd);
    return -1;
  }
  // O_NONBLOCK stays set: it has no effect on a regular file (open(2)), and clearing it cost
  // two system calls per clip.
  if (size) *size = static_cast<size_t>(st.st_size);
  return fd;
}

int open_regular_file(const std::string& path, size_t* size, const std::string& display) {
  std::string problem;
  const int fd = try_open_regular_file(path, size, &problem);
  if (fd < 0) throw Error(msg(printable(shown(path, display)), ": ", problem));
  return fd;
}

std::string read_regular_file(const std::string& path, size_t max_bytes,
                              const std::string& display) {
  size_t size = 0;
  const int fd = open_regular_file(path, &size, display);
  const std::string name = printable(shown(path, display));
  if (size > max_bytes) {
    ::close(fd);
    throw Error(msg(name, ": ", size, " bytes is over the limit of ", max_bytes, " bytes"));
  }
  std::string text;
  text.reserve(size);
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw Error(msg(name, ": read error: ", std::strerror(err)));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      ::close(fd);
      throw Error(msg(name, ": grew over the limit of ", max_bytes, " bytes while reading"));
    }
  }
  ::close(fd);
  return text;
}

void make_directories(const std::string& path) {
  std::string partial;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!partial.empty() && ::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
        throw Error(
            msg("cannot create directory ", printable(partial), ": ", std::strerror(errno)));
    }
    if (i < path.size()) partial += path[i];
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw Error(msg(printable(path), " is not a directory"));
}

bool valid_utf8(const std::string& text, size_t* bad_offset) {
  for (size_t i = 0; i < text.size();) {
    const size_t len = utf8_sequence(text, i);
    if (len == 0) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

std::string printable(const std::string& text, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  while (i < text.size() && out.size() < max_bytes) {
    const auto b = static_cast<unsigned char>(text[i]);
    const size_t len = b < 0x80 ? 1 : utf8_sequence(text, i);
    if (len > 1) {
      out.append(text, i, len);
      i += len;
      continue;
    }
    if (b >= 0x20 && b < 0x7F) {
      out += static_cast<char>(b);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", b);
      out += escaped;
    }
    ++i;
  }
  if (i < text.size()) out += msg("...[", text.size(), " bytes in all]");
  return out;
}

}  // namespace edge::io
