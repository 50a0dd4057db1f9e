// Helpers for the dataset tests: a scratch directory tree removed on scope exit.
#pragma once

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/common/test_util.h"

namespace edge::test {

class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/edge-datasets-XXXXXX";
    if (!::mkdtemp(&pattern[0])) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    ::nftw(
        path_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

  // Writes `text` at `rel`, creating parent folders.
  void write(const std::string& rel, const std::string& text) const {
    mkdirs(rel.substr(0, rel.find_last_of('/') == std::string::npos ? 0 : rel.find_last_of('/')));
    std::ofstream out(path_ + "/" + rel, std::ios::binary);
    out << text;
  }
  void mkdirs(const std::string& rel) const {
    std::string current = path_;
    size_t start = 0;
    while (start < rel.size()) {
      size_t slash = rel.find('/', start);
      if (slash == std::string::npos) slash = rel.size();
      current += "/" + rel.substr(start, slash - start);
      ::mkdir(current.c_str(), 0755);
      start = slash + 1;
    }
  }
  // Copies a file byte for byte (optionally only its first `max_bytes`).
  void copy(const std::string& from, const std::string& rel,
            size_t max_bytes = static_cast<size_t>(-1)) const {
    std::ifstream in(from, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.size() > max_bytes) data.resize(max_bytes);
    write(rel, data);
  }

 private:
  std::string path_;
};

inline std::string dataset_fixture(const std::string& name) {
  return fixtures_root() + "/datasets/" + name;
}

}  // namespace edge::test
