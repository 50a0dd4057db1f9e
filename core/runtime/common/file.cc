#include "common/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace edge {

std::string read_regular_file(const std::string& path, const std::string& noun, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw Error(msg(path, ": cannot read the ", noun, ": ", std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0)
    throw Error(msg(path, ": cannot read the ", noun, ": ", std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw Error(msg(path, ": the ", noun, " is a directory"));
  if (!S_ISREG(st.st_mode))
    throw Error(msg(path, ": the ", noun, " is not a regular file (a device, FIFO or socket)"));
  if (static_cast<unsigned long long>(st.st_size) > max_bytes)
    throw Error(
        msg(path, ": the ", noun, " is ", st.st_size, " bytes; at most ", max_bytes, " are read"));
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (true) {
    if (got == text.size()) {
      if (text.size() > max_bytes) break;
      text.resize(text.size() + 4096);  // the file grew since fstat
    }
    const ssize_t n = ::read(fd, &text[got], text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(msg(path, ": cannot read the ", noun, ": ", std::strerror(errno)));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > max_bytes)
    throw Error(msg(path, ": the ", noun, " grew past ", max_bytes, " bytes while being read"));
  text.resize(got);
  return text;
}

}  // namespace edge
