// Shared test helpers.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

namespace edge::test {

// Root of the real-data folder (../shared/data), from EDGE_SHARED_DATA set by meson.
inline std::string shared_data_root() {
  const char* env = std::getenv("EDGE_SHARED_DATA");
  return env ? env : "";
}

inline bool path_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Directory of the test's own fixtures (tests/data in the source tree).
inline std::string fixtures_root() {
  const char* env = std::getenv("EDGE_TEST_FIXTURES");
  return env ? env : "tests/data";
}

}  // namespace edge::test

// Sets `var` to the absolute path of `relative` inside the shared data folder,
// or skips the test with a visible message when the folder or file is absent.
#define EDGE_REQUIRE_SHARED(var, relative)                                                \
  std::string var = ::edge::test::shared_data_root() + "/" + (relative);                  \
  if (::edge::test::shared_data_root().empty() || !::edge::test::path_exists(var)) {      \
    GTEST_SKIP() << "SKIPPED: shared real data not found: " << var                        \
                 << " (needs ../shared/data beside the source tree or EDGE_SHARED_DATA)"; \
  }
