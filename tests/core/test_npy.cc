#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/npy.h"
#include "tests/common/test_util.h"

namespace edge::store {
namespace {

std::string temp_dir() {
  char dir[] = "/tmp/edge-npy-XXXXXX";
  return mkdtemp(dir);
}

TEST(Npy, WriteThenReadFloatRows) {
  const std::string path = temp_dir() + "/x.npy";
  NpyWriter w(path, "<f4", {2, 3});
  const float a[6] = {0, 1, 2, 3, 4, 5}, b[6] = {-1.5f, 2.25f, 0, 0, 0, 1e30f};
  w.append(a);
  w.append(b);
  w.finish();
  NpyArray arr = read_npy(path);
  EXPECT_EQ(arr.header.shape, (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(arr.header.data_offset, 128u);  // 64-byte aligned header
  auto values = npy_as_float(arr, path);
  ASSERT_EQ(values.size(), 12u);
  EXPECT_EQ(values[7], 2.25f);
  EXPECT_EQ(values[11], 1e30f);
}

TEST(Npy, ZeroRowsAndScalarRows) {
  const std::string dir = temp_dir();
  {
    NpyWriter w(dir + "/empty.npy", "<f4", {4});
    w.finish();
  }
  NpyArray empty = read_npy(dir + "/empty.npy");
  EXPECT_EQ(empty.header.shape, (std::vector<int64_t>{0, 4}));
  NpyWriter w(dir + "/y.npy", "<i4", {});
  for (int32_t v : {7, -1, 2147483647}) w.append(&v);
  w.finish();
  auto ints = npy_as_int(read_npy(dir + "/y.npy"), "y");
  EXPECT_EQ(ints, (std::vector<int64_t>{7, -1, 2147483647}));
}

TEST(Npy, UnicodeStringsRoundTrip) {
  const std::string path = temp_dir() + "/clip.npy";
  const std::vector<std::string> clips = {"punch.csv#0", "caf\xc3\xa9", "\xf0\x9f\x8e\xb5", ""};
  NpyWriter w(path, "<U11", {});
  std::vector<uint32_t> cell(11);
  for (const auto& c : clips) {
    utf8_to_utf32_cell(c, 11, cell.data());
    w.append(cell.data());
  }
  w.finish();
  EXPECT_EQ(npy_as_strings(read_npy(path), path), clips);
}

// numpy itself must read what we write: the whole point of the format.
TEST(Npy, NumpyLoadsOurFiles) {
  if (!::edge::test::path_exists("/usr/bin/python3") ||
      std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
    GTEST_SKIP() << "SKIPPED: Debian's python3-numpy is not installed";
  const std::string dir = temp_dir();
  NpyWriter x(dir + "/x.npy", "|i1", {3});
  const int8_t row[3] = {-128, 0, 127};
  x.append(row);
  x.finish();
  NpyWriter c(dir + "/c.npy", "<U5", {});
  std::vector<uint32_t> cell(5);
  utf8_to_utf32_cell("dog", 5, cell.data());
  c.append(cell.data());
  c.finish();
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np; x=np.load('" + dir +
                          "/x.npy'); c=np.load('" + dir +
                          "/c.npy'); assert x.shape==(1,3) and x.dtype==np.int8 and "
                          "x.tolist()==[[-128,0,127]], x; assert c.tolist()==['dog'], c\"";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(Npy, HostileHeadersAreRefusedWithReasons) {
  auto header = [](const std::string& dict, int major = 1) {
    std::string h = "\x93NUMPY";
    h += char(major);
    h += char(0);
    h += char(dict.size() & 0xff);
    h += char(dict.size() >> 8);
    return h + dict;
  };
  struct Case {
    std::string bytes;
    const char* reason;
  } cases[] = {
      {"", "magic"},
      {"\x93NUMPX\x01\x00\x10\x00", "magic"},
      {header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 9), "version 9"},
      {header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }").substr(0, 30),
       "truncated"},
      {header("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }"), "unsupported element"},
      {header("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }"), "Fortran"},
      {header("{'descr': '<f4', 'shape': (2,), }"), "needs"},
      {header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}"),
       "unknown header key"},
      {header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"),
       "too large"},
      {header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }"),
       "too large"},
      {header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,"), "expected"},
      {header("{'descr: '<f4'}"), "expected"},
  };
  for (const Case& c : cases) {
    try {
      parse_npy_header(reinterpret_cast<const uint8_t*>(c.bytes.data()), c.bytes.size(), "bad.npy");
      ADD_FAILURE() << "accepted: " << c.bytes;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("bad.npy"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.reason), std::string::npos) << e.what();
    }
  }
}

TEST(Npy, DataShorterThanTheShapeIsRefused) {
  const std::string path = temp_dir() + "/short.npy";
  {
    NpyWriter w(path, "<f4", {4});
    const float row[4] = {1, 2, 3, 4};
    w.append(row);
    w.finish();
  }
  // Chop the last float off.
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 4);
  try {
    read_npy(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs 16"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edge::store
