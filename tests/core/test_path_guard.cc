// Entries named by metadata must stay inside the dataset root.
#include <gtest/gtest.h>
#include <unistd.h>

#include "io/path_guard.h"
#include "tests/core/test_dataset_util.h"

using edge::io::PathEscapeError;
using edge::io::PathGuard;
using edge::test::TempDir;

namespace {

std::string escape_message(const PathGuard& guard, const std::string& rel) {
  try {
    guard.resolve(rel, "meta.csv line 7");
  } catch (const PathEscapeError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(PathGuard, ResolvesFilesInside) {
  TempDir dir;
  dir.write("root/audio/a.wav", "x");
  PathGuard guard(dir / "root");
  auto r = guard.resolve("audio/a.wav", "meta.csv line 2");
  EXPECT_TRUE(r.exists);
  EXPECT_EQ(r.path, guard.root() + "/audio/a.wav");
  auto dot = guard.resolve("./audio/./a.wav", "meta.csv line 3");
  EXPECT_TRUE(dot.exists);
  EXPECT_EQ(dot.path, r.path);
}

TEST(PathGuard, MissingIsNotAnEscape) {
  TempDir dir;
  dir.mkdirs("root");
  PathGuard guard(dir / "root");
  auto r = guard.resolve("audio/missing.wav", "meta.csv line 2");
  EXPECT_FALSE(r.exists);
  EXPECT_EQ(r.path, guard.root() + "/audio/missing.wav");
}

TEST(PathGuard, RefusesParentAbsoluteAndEmpty) {
  TempDir dir;
  dir.write("root/a.wav", "x");
  dir.write("secret.wav", "x");
  PathGuard guard(dir / "root");
  EXPECT_NE(
      escape_message(guard, "../secret.wav").find("meta.csv line 7: '../secret.wav' contains '..'"),
      std::string::npos);
  // Even a climb that lands back inside is refused: metadata never needs '..'.
  EXPECT_NE(escape_message(guard, "audio/../a.wav").find("contains '..'"), std::string::npos);
  EXPECT_NE(escape_message(guard, "a/..").find("contains '..'"), std::string::npos);
  EXPECT_NE(escape_message(guard, dir / "secret.wav").find("is an absolute path"),
            std::string::npos);
  EXPECT_NE(escape_message(guard, "").find("empty file name"), std::string::npos);
  // Names that merely contain dots are fine.
  EXPECT_NO_THROW(guard.resolve("..a.wav", "x"));
  EXPECT_NO_THROW(guard.resolve("a...wav", "x"));
}

TEST(PathGuard, RefusesSymlinksOutOfTheRoot) {
  TempDir dir;
  dir.write("root/in.wav", "x");
  dir.write("outside/secret.wav", "x");
  ASSERT_EQ(::symlink((dir / "outside/secret.wav").c_str(), (dir / "root/link.wav").c_str()), 0);
  ASSERT_EQ(::symlink((dir / "outside").c_str(), (dir / "root/audio").c_str()), 0);
  ASSERT_EQ(::symlink("in.wav", (dir / "root/alias.wav").c_str()), 0);
  // A sibling whose name starts with the root's name is still outside.
  dir.write("root2/x.wav", "x");
  ASSERT_EQ(::symlink((dir / "root2/x.wav").c_str(), (dir / "root/prefix.wav").c_str()), 0);
  PathGuard guard(dir / "root");
  EXPECT_NE(escape_message(guard, "link.wav").find("outside the dataset root"), std::string::npos);
  EXPECT_NE(escape_message(guard, "audio/secret.wav").find("outside the dataset root"),
            std::string::npos);
  EXPECT_NE(escape_message(guard, "prefix.wav").find("outside the dataset root"),
            std::string::npos);
  auto alias = guard.resolve("alias.wav", "x");  // a symlink within the tree is fine
  EXPECT_TRUE(alias.exists);
  EXPECT_EQ(alias.path, guard.root() + "/in.wav");
}

TEST(PathGuard, RootMustBeADirectory) {
  TempDir dir;
  dir.write("file.txt", "x");
  EXPECT_THROW(PathGuard(dir / "file.txt"), edge::Error);
  EXPECT_THROW(PathGuard(dir / "nope"), edge::Error);
  EXPECT_THROW(PathGuard(""), edge::Error);
}

TEST(PathGuard, JoinPath) {
  EXPECT_EQ(edge::io::join_path("/a", "b"), "/a/b");
  EXPECT_EQ(edge::io::join_path("/a/", "b"), "/a/b");
  EXPECT_EQ(edge::io::join_path("/a/", "/b"), "/a/b");
  EXPECT_EQ(edge::io::join_path("", "b"), "b");
}
