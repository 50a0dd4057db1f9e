#include "io/path_guard.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "io/regular_file.h"

namespace edge::io {
namespace {

// realpath(3) into a std::string; false when it fails (errno set).
bool real_path(const std::string& path, std::string* out) {
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                       &std::free);
  if (!resolved) return false;
  *out = resolved.get();
  return true;
}

}  // namespace

std::string join_path(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  if (a.back() == '/') return b.front() == '/' ? a + b.substr(1) : a + b;
  return b.front() == '/' ? a + b : a + "/" + b;
}

PathGuard::PathGuard(const std::string& root) {
  if (root.empty()) throw Error("dataset root: no location given");
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) {
    throw Error(msg("dataset root ", root, ": ", std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) throw Error(msg("dataset root ", root, ": not a directory"));
  if (!real_path(root, &root_)) {
    throw Error(msg("dataset root ", root, ": cannot resolve: ", std::strerror(errno)));
  }
}

bool PathGuard::contains(const std::string& real) const {
  if (real == root_) return true;
  if (root_ == "/") return !real.empty() && real.front() == '/';
  return real.size() > root_.size() && real.compare(0, root_.size(), root_) == 0 &&
         real[root_.size()] == '/';
}

ResolvedPath PathGuard::resolve(const std::string& relative, const std::string& where) const {
  if (relative.empty()) throw PathEscapeError(msg(where, ": empty file name"));
  if (relative.find('\0') != std::string::npos) {
    throw PathEscapeError(msg(where, ": file name contains a NUL byte"));
  }
  if (relative.front() == '/') {
    throw PathEscapeError(msg(where, ": '", printable(relative),
                              "' is an absolute path; entries must be relative to the dataset "
                              "root ",
                              root_));
  }
  // Any ".." component is refused even if it would land back inside: metadata
  // has no reason to climb, and a lexical rule cannot be fooled by symlinks.
  size_t start = 0;
  while (start <= relative.size()) {
    size_t slash = relative.find('/', start);
    if (slash == std::string::npos) slash = relative.size();
    if (relative.compare(start, slash - start, "..") == 0 && slash - start == 2) {
      throw PathEscapeError(msg(where, ": '", printable(relative),
                                "' contains '..'; entries must stay inside the dataset root ",
                                root_));
    }
    start = slash + 1;
  }
  ResolvedPath result;
  const std::string joined = join_path(root_, relative);
  std::string real;
  if (!real_path(joined, &real)) {
    if (errno == ENOENT || errno == ENOTDIR) {
      result.exists = false;
      result.path = joined;
      return result;
    }
    throw Error(msg(where, ": '", printable(relative), "': ", std::strerror(errno)));
  }
  if (!contains(real)) {
    throw PathEscapeError(msg(where, ": '", printable(relative), "' resolves to ", printable(real),
                              ", outside the dataset root ", root_, " (symlink out of the tree)"));
  }
  result.exists = true;
  result.path = real;
  return result;
}

}  // namespace edge::io
