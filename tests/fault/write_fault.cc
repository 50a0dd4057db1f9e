// LD_PRELOAD fault injector for the fault-injection suite (tests/fault/): file-system faults
// and crashes at exact points, for paths under one folder only.
//
//   EDGE_FAULT_UNDER=/abs/dir     only operations on paths under this folder are touched
//   EDGE_FAULT_MODE=enospc:BYTES  writes fail with ENOSPC once BYTES have been written (a disk
//                                 that is full after BYTES; a write that crosses the limit
//                                 is cut short, as a real full disk does)
//   EDGE_FAULT_MODE=erofs         every creation, write, link, rename, removal fails with
//                                 EROFS (a read-only file system)
//   EDGE_FAULT_MODE=kill:N        the N-th mutating operation raises SIGKILL before it runs:
//                                 a kill -9 at an exact point (1-based)
//   EDGE_FAULT_MODE=count:FILE    counts the mutating operations and writes the count to FILE
//                                 at exit (to choose N for kill:N)
//   EDGE_FAULT_TRACE=1            prints each counted operation to stderr
//
// Mutating operations: opening for writing or creating (open*, creat*, fopen*), write, pwrite,
// fwrite, link, rename, unlink, mkdir, fsync. Descriptors are mapped to paths through
// /proc/self/fd. Used where the tests cannot mount a tmpfs (not root), and for kill points
// that a timer cannot hit (the few milliseconds of a merge).
// The shim defines open() and open64() (and their kin) side by side: compiled without the
// 64-bit redirection that would make them one symbol.
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

enum class Mode { kNone, kEnospc, kErofs, kKill, kCount };

struct Config {
  Mode mode = Mode::kNone;
  std::string under;  // with a trailing '/'
  long long number = 0;
  std::string count_file;
  bool trace = std::getenv("EDGE_FAULT_TRACE") != nullptr;  // each operation on stderr
  Config() {
    const char* under_env = std::getenv("EDGE_FAULT_UNDER");
    const char* mode_env = std::getenv("EDGE_FAULT_MODE");
    if (!under_env || !*under_env || !mode_env) return;
    under = under_env;
    if (under.back() != '/') under += '/';
    const std::string m = mode_env;
    const size_t colon = m.find(':');
    const std::string kind = m.substr(0, colon),
                      arg = colon == std::string::npos ? "" : m.substr(colon + 1);
    if (kind == "enospc") {
      mode = Mode::kEnospc;
      number = std::atoll(arg.c_str());
    } else if (kind == "erofs") {
      mode = Mode::kErofs;
    } else if (kind == "kill") {
      mode = Mode::kKill;
      number = std::atoll(arg.c_str());
    } else if (kind == "count") {
      mode = Mode::kCount;
      count_file = arg;
    }
  }
};

const Config& config() {
  static const Config* c = new Config;  // never destroyed: read by the exit-time count below
  return *c;
}

std::atomic<long long> operations{0};
std::atomic<long long> bytes_written{0};

template <typename F>
F real(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

bool under_path(const char* path) {
  const Config& c = config();
  if (c.mode == Mode::kNone || !path) return false;
  std::string p = path;
  if (p.empty()) return false;
  if (p[0] != '/') {
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) return false;
    p = std::string(cwd) + "/" + p;
  }
  return p.compare(0, c.under.size(), c.under) == 0 || p + "/" == c.under;
}

bool under_fd(int fd) {
  if (config().mode == Mode::kNone || fd < 0) return false;
  char link[64], target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  return under_path(target);
}

// Called before a mutating operation on a path under the folder: false (errno set) when it
// must fail; never returns at the kill point.
bool allow_operation(const char* what) {
  const Config& c = config();
  const long long n = ++operations;
  if (c.trace) std::fprintf(stderr, "write_fault: %lld %s\n", n, what);
  if (c.mode == Mode::kKill && n == c.number) ::raise(SIGKILL);
  if (c.mode == Mode::kErofs) {
    errno = EROFS;
    return false;
  }
  return true;
}

// For writes: how many of `size` bytes may be written (ENOSPC once the budget is spent).
size_t allowed_bytes(size_t size) {
  const Config& c = config();
  if (c.mode != Mode::kEnospc) return size;
  const long long before = bytes_written.fetch_add(static_cast<long long>(size));
  if (before >= c.number) return 0;
  return static_cast<size_t>(std::min<long long>(static_cast<long long>(size), c.number - before));
}

bool opens_for_writing(int flags) { return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0; }
bool fopen_writes(const char* mode) { return mode && (std::strpbrk(mode, "wa+") != nullptr); }

struct CountAtExit {
  ~CountAtExit() {
    const Config& c = config();
    if (c.mode != Mode::kCount) return;
    FILE* f = std::fopen(c.count_file.c_str(), "w");
    if (!f) return;
    std::fprintf(f, "%lld\n", operations.load());
    std::fclose(f);
  }
} count_at_exit;

}  // namespace

extern "C" {

#define EDGE_OPEN_BODY(real_call)                                                            \
  mode_t mode = 0;                                                                           \
  if (flags & (O_CREAT | O_TMPFILE)) {                                                       \
    va_list ap;                                                                              \
    va_start(ap, flags);                                                                     \
    mode = va_arg(ap, mode_t);                                                               \
    va_end(ap);                                                                              \
  }                                                                                          \
  if (opens_for_writing(flags) && under_path(path) && !allow_operation(__func__)) return -1; \
  return real_call;

int open(const char* path, int flags, ...) {
  EDGE_OPEN_BODY(real<int (*)(const char*, int, ...)>("open")(path, flags, mode))
}
int open64(const char* path, int flags, ...) {
  EDGE_OPEN_BODY(real<int (*)(const char*, int, ...)>("open64")(path, flags, mode))
}
int openat(int dirfd, const char* path, int flags, ...) {
  EDGE_OPEN_BODY(real<int (*)(int, const char*, int, ...)>("openat")(dirfd, path, flags, mode))
}
int openat64(int dirfd, const char* path, int flags, ...) {
  EDGE_OPEN_BODY(real<int (*)(int, const char*, int, ...)>("openat64")(dirfd, path, flags, mode))
}
int creat(const char* path, mode_t mode) {
  if (under_path(path) && !allow_operation(__func__)) return -1;
  return real<int (*)(const char*, mode_t)>("creat")(path, mode);
}
int creat64(const char* path, mode_t mode) {
  if (under_path(path) && !allow_operation(__func__)) return -1;
  return real<int (*)(const char*, mode_t)>("creat64")(path, mode);
}
FILE* fopen(const char* path, const char* mode) {
  if (fopen_writes(mode) && under_path(path) && !allow_operation(__func__)) return nullptr;
  return real<FILE* (*)(const char*, const char*)>("fopen")(path, mode);
}
FILE* fopen64(const char* path, const char* mode) {
  if (fopen_writes(mode) && under_path(path) && !allow_operation(__func__)) return nullptr;
  return real<FILE* (*)(const char*, const char*)>("fopen64")(path, mode);
}

ssize_t write(int fd, const void* data, size_t size) {
  static auto next = real<ssize_t (*)(int, const void*, size_t)>("write");
  if (size == 0 || !under_fd(fd)) return next(fd, data, size);
  if (!allow_operation(__func__)) return -1;
  const size_t allowed = allowed_bytes(size);
  if (allowed == 0) {
    errno = ENOSPC;
    return -1;
  }
  return next(fd, data, allowed);
}
ssize_t pwrite(int fd, const void* data, size_t size, off_t offset) {
  static auto next = real<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  if (size == 0 || !under_fd(fd)) return next(fd, data, size, offset);
  if (!allow_operation(__func__)) return -1;
  const size_t allowed = allowed_bytes(size);
  if (allowed == 0) {
    errno = ENOSPC;
    return -1;
  }
  return next(fd, data, allowed, offset);
}
ssize_t pwrite64(int fd, const void* data, size_t size, off64_t offset) {
  static auto next = real<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64");
  if (size == 0 || !under_fd(fd)) return next(fd, data, size, offset);
  if (!allow_operation(__func__)) return -1;
  const size_t allowed = allowed_bytes(size);
  if (allowed == 0) {
    errno = ENOSPC;
    return -1;
  }
  return next(fd, data, allowed, offset);
}
size_t fwrite(const void* data, size_t item, size_t count, FILE* stream) {
  static auto next = real<size_t (*)(const void*, size_t, size_t, FILE*)>("fwrite");
  if (item == 0 || count == 0 || !under_fd(fileno(stream))) return next(data, item, count, stream);
  if (!allow_operation(__func__)) return 0;
  const size_t allowed = allowed_bytes(item * count) / item;
  if (allowed < count) errno = ENOSPC;
  return allowed ? next(data, item, allowed, stream) : 0;
}

int link(const char* from, const char* to) {
  if (under_path(to) && !allow_operation(__func__)) return -1;
  return real<int (*)(const char*, const char*)>("link")(from, to);
}
int linkat(int fromfd, const char* from, int tofd, const char* to, int flags) {
  if (under_path(to) && !allow_operation(__func__)) return -1;
  return real<int (*)(int, const char*, int, const char*, int)>("linkat")(fromfd, from, tofd, to,
                                                                          flags);
}
int rename(const char* from, const char* to) {
  if ((under_path(from) || under_path(to)) && !allow_operation(__func__)) return -1;
  return real<int (*)(const char*, const char*)>("rename")(from, to);
}
int renameat(int fromfd, const char* from, int tofd, const char* to) {
  if ((under_path(from) || under_path(to)) && !allow_operation(__func__)) return -1;
  return real<int (*)(int, const char*, int, const char*)>("renameat")(fromfd, from, tofd, to);
}
int unlink(const char* path) {
  if (under_path(path) && !allow_operation(__func__)) return -1;
  return real<int (*)(const char*)>("unlink")(path);
}
int unlinkat(int dirfd, const char* path, int flags) {
  if (under_path(path) && !allow_operation(__func__)) return -1;
  return real<int (*)(int, const char*, int)>("unlinkat")(dirfd, path, flags);
}
int remove(const char* path) {
  if (under_path(path) && !allow_operation(__func__)) return -1;
  return real<int (*)(const char*)>("remove")(path);
}
int mkdir(const char* path, mode_t mode) {
  if (under_path(path) && !allow_operation(__func__)) return -1;
  return real<int (*)(const char*, mode_t)>("mkdir")(path, mode);
}
int fsync(int fd) {
  if (under_fd(fd) && !allow_operation(__func__)) return -1;
  return real<int (*)(int)>("fsync")(fd);
}

}  // extern "C"
