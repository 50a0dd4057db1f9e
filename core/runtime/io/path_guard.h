// Keeps paths named by untrusted metadata inside a dataset root.
//
// A metadata file is input from whoever made the dataset: an entry such as
// `../../etc/passwd`, `/home/me/.ssh/id_rsa` or a symlink pointing out of the
// tree must never be opened. PathGuard refuses, with a message naming the
// entry and where it was found:
//   - empty paths, absolute paths, NUL bytes and any `..` component (lexically,
//     before touching the file system);
//   - paths whose real location (realpath: every symlink followed) is not the
//     root itself or below it.
// A path that does not exist is not an escape: resolve() reports it as missing
// so the caller can fail or skip it by policy. Escapes are always errors.
//
// Thread safety: immutable after construction; resolve() may run concurrently.
#pragma once

#include <string>

#include "common/error.h"

namespace edge::io {

// Thrown for entries that reach outside the root (never skippable).
class PathEscapeError : public Error {
 public:
  using Error::Error;
};

struct ResolvedPath {
  bool exists = false;  // false: nothing at that path (or a dangling symlink)
  std::string path;     // real path when it exists, else root + "/" + relative
};

class PathGuard {
 public:
  // `root` must be an existing directory; it is made absolute and real once.
  explicit PathGuard(const std::string& root);

  const std::string& root() const { return root_; }

  // `relative` is the entry as written in metadata ('/'-separated); `where`
  // names its origin for messages, e.g. "meta/esc50.csv line 12".
  ResolvedPath resolve(const std::string& relative, const std::string& where) const;

  // True when `real_path` (already real) is the root or inside it.
  bool contains(const std::string& real_path) const;

 private:
  std::string root_;
};

// Joins two path parts with exactly one '/'.
std::string join_path(const std::string& a, const std::string& b);

}  // namespace edge::io
