// C array export: exact text for a few bytes, xxd-style names, and a written
// model compiled with the host compiler (linked into a program that compares
// the array with the .tflite file byte for byte) and with arm-none-eabi-gcc
// for a Cortex-M4 (skipped visibly when the cross compiler is absent).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/tflite_writer.h"
#include "optimize/c_array.h"
#include "optimize/ptq.h"
#include "tests/core/optimize_test_models.h"

namespace edge::optimize {
namespace {

bool have_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

int run(const std::string& command) {
  std::printf("$ %s\n", command.c_str());
  std::fflush(stdout);
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string host_compiler() {
  const char* cxx = std::getenv("CXX");
  if (cxx && *cxx) return cxx;
  return have_program("c++") ? "c++" : "g++";
}

TEST(CArray, NamesAsXxd) {
  EXPECT_EQ(c_identifier("model_int8.tflite"), "model_int8_tflite");
  EXPECT_EQ(c_identifier("gesture-v2.tflite"), "gesture_v2_tflite");
  EXPECT_EQ(c_identifier("8bit model.tflite"), "_8bit_model_tflite");
  EXPECT_EQ(c_identifier(""), "_");
}

TEST(CArray, ExactTextForThreeBytes) {
  const CArray a = make_c_array({0x1c, 0x00, 0xff}, "tiny_tflite", "tiny.h");
  EXPECT_NE(a.source.find("EDGE_ALIGNAS(16) const unsigned char tiny_tflite[] = {\n"
                          "  0x1c, 0x00, 0xff\n};\n"
                          "const unsigned int tiny_tflite_len = 3;\n"),
            std::string::npos)
      << a.source;
  EXPECT_NE(a.source.find("#include \"tiny.h\""), std::string::npos);
  EXPECT_NE(a.header.find("#ifndef TINY_H\n#define TINY_H\n"), std::string::npos) << a.header;
  EXPECT_NE(a.header.find("extern const unsigned char tiny_tflite[];"), std::string::npos);
  EXPECT_NE(a.header.find("extern const unsigned int tiny_tflite_len;"), std::string::npos);
  EXPECT_NE(a.header.find("extern \"C\" {"), std::string::npos);
  // Twelve bytes per line as xxd -i writes them.
  const CArray b = make_c_array(std::vector<uint8_t>(13, 0xab), "b", "b.h");
  EXPECT_NE(b.source.find("0xab, 0xab,\n  0xab\n};"), std::string::npos) << b.source;
  // Empty input still compiles (C forbids an empty initializer).
  const CArray e = make_c_array({}, "e", "e.h");
  EXPECT_NE(e.source.find("e[] = {\n  0x00\n};\nconst unsigned int e_len = 0;"), std::string::npos);
}

TEST(CArray, RefusesBadNames) {
  EXPECT_THROW(make_c_array({1}, "1abc", "x.h"), Error);
  EXPECT_THROW(make_c_array({1}, "a-b", "x.h"), Error);
  EXPECT_THROW(write_c_array({1}, "x.tflite", "/nonexistent-dir", "x"), Error);
  EXPECT_THROW(write_c_array({1}, "x.tflite", testing::TempDir(), "x", ".h"), Error);
}

class CArrayCompile : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "/edge_c_array";
    ASSERT_EQ(run("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'"), 0);
    const nn::Model dense = test::dense_gesture_model();
    PtqOptions options;
    options.mode = QuantMode::kIntegerOnly;
    options.representative = test::random_samples(dense, 8, 1);
    bytes_ = nn::write_tflite(quantize(dense, options).model);
    model_path_ = dir_ + "/gesture_int8.tflite";
    std::ofstream(model_path_, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes_.data()),
               static_cast<std::streamsize>(bytes_.size()));
    write_c_array(bytes_, "gesture_int8.tflite", dir_, "gesture_model", ".cc");
    write_c_array(bytes_, "gesture_int8.tflite", dir_, "gesture_model_c", ".c");
  }
  void TearDown() override { run("rm -rf '" + dir_ + "'"); }

  std::string dir_;
  std::string model_path_;
  std::vector<uint8_t> bytes_;
};

// The host build links the array into a program that compares it with the
// .tflite file and checks its 16-byte alignment.
TEST_F(CArrayCompile, HostBuildMatchesTheFile) {
  const std::string main_cc = dir_ + "/check.cc";
  std::ofstream(main_cc) << R"(#include <cstdint>
#include <cstdio>
#include <vector>
#include "gesture_model.h"
int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::FILE* f = std::fopen(argv[1], "rb");
  if (!f) return 3;
  std::vector<unsigned char> file(gesture_int8_tflite_len + 1);
  const size_t n = std::fread(file.data(), 1, file.size(), f);
  std::fclose(f);
  if (n != gesture_int8_tflite_len) { std::printf("length %zu vs %u\n", n, gesture_int8_tflite_len); return 4; }
  for (size_t i = 0; i < n; ++i) if (file[i] != gesture_int8_tflite[i]) { std::printf("byte %zu differs\n", i); return 5; }
  if (reinterpret_cast<std::uintptr_t>(gesture_int8_tflite) % 16 != 0) return 6;
  std::printf("%u bytes equal, 16-byte aligned\n", gesture_int8_tflite_len);
  return 0;
}
)";
  const std::string cxx = host_compiler();
  ASSERT_EQ(run(cxx + " -std=c++11 -Wall -Wextra -Werror -I'" + dir_ + "' '" + main_cc + "' '" +
                dir_ + "/gesture_model.cc' -o '" + dir_ + "/check'"),
            0);
  EXPECT_EQ(run("'" + dir_ + "/check' '" + model_path_ + "'"), 0);
  // The .c variant compiles as C11 too.
  if (have_program("cc")) {
    EXPECT_EQ(run("cc -std=c11 -Wall -Wextra -Werror -c -I'" + dir_ + "' '" + dir_ +
                  "/gesture_model_c.c' -o '" + dir_ + "/gesture_model_c.o'"),
              0);
  }
}

TEST_F(CArrayCompile, CortexM4Build) {
  if (!have_program("arm-none-eabi-gcc")) {
    GTEST_SKIP() << "SKIPPED: arm-none-eabi-gcc not installed (Debian gcc-arm-none-eabi)";
  }
  const std::string flags =
      " -mcpu=cortex-m4 -mthumb -Os -Wall -Wextra -Werror -c -I'" + dir_ + "' ";
  EXPECT_EQ(run("arm-none-eabi-gcc -std=c11" + flags + "'" + dir_ + "/gesture_model_c.c' -o '" +
                dir_ + "/m4_c.o'"),
            0);
  if (have_program("arm-none-eabi-g++")) {
    EXPECT_EQ(run("arm-none-eabi-g++ -std=c++11" + flags + "'" + dir_ + "/gesture_model.cc' -o '" +
                  dir_ + "/m4_cc.o'"),
              0);
  }
  // The array sits in read-only data (flash), with its full length.
  if (have_program("arm-none-eabi-nm")) {
    const std::string out = dir_ + "/nm.txt";
    ASSERT_EQ(run("arm-none-eabi-nm -S '" + dir_ + "/m4_c.o' > '" + out + "'"), 0);
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    std::printf("%s", text.str().c_str());
    char size_hex[32];
    std::snprintf(size_hex, sizeof size_hex, "%08zx R gesture_int8_tflite", bytes_.size());
    EXPECT_NE(text.str().find(size_hex), std::string::npos) << text.str();
  }
}

}  // namespace
}  // namespace edge::optimize
