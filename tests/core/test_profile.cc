// Edge board profiles: every edge/profiles/*.toml parses with its own name and sane values;
// unknown tables/keys and out-of-range values are refused naming the key.
#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "common/error.h"
#include "graph/profile.h"

namespace edge::graph {
namespace {

std::string profiles_dir() {
  const char* root = std::getenv("EDGE_SOURCE_ROOT");
  return std::string(root ? root : ".") + "/edge/profiles";
}

std::string error_of(const std::string& text) {
  try {
    parse_profile(text, "p.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Profile, EveryShippedProfileParses) {
  std::vector<std::string> names;
  DIR* d = opendir(profiles_dir().c_str());
  ASSERT_NE(d, nullptr) << profiles_dir();
  while (dirent* e = readdir(d)) {
    const std::string f = e->d_name;
    if (f.size() > 5 && f.compare(f.size() - 5, 5, ".toml") == 0) names.push_back(f);
  }
  closedir(d);
  ASSERT_GE(names.size(), 3u);
  for (const std::string& file : names) {
    SCOPED_TRACE(file);
    const Profile p = load_profile(profiles_dir() + "/" + file);
    EXPECT_EQ(p.name + ".toml", file);
    EXPECT_FALSE(p.description.empty());
    EXPECT_EQ(p.audio_source, "alsasrc");
    EXPECT_EQ(
        p.audio_device.compare(0, 2, "hw") == 0 || p.audio_device.compare(0, 6, "plughw") == 0,
        true)
        << p.audio_device;
    EXPECT_EQ(p.serial_device.compare(0, 5, "/dev/"), 0);
    EXPECT_GE(p.threads, 1);
    EXPECT_LT(p.threads, p.cores + 1);
    EXPECT_TRUE(p.kernels == "fast" || p.kernels == "ref");
    EXPECT_FALSE(p.governor.empty());
    EXPECT_FALSE(p.clock_notes.empty());
  }
}

TEST(Profile, DefaultsAndValues) {
  const Profile p = parse_profile(
      "[board]\nname=\"b\"\n[serial]\ndevice=\"/dev/ttyUSB0\"\nbaud=115200\n"
      "[inference]\nthreads=2\nkernels=\"ref\"\n",
      "p.toml");
  EXPECT_EQ(p.name, "b");
  EXPECT_EQ(p.audio_source, "autoaudiosrc");
  EXPECT_EQ(p.audio_device, "");
  EXPECT_EQ(p.serial_device, "/dev/ttyUSB0");
  EXPECT_EQ(p.baud, 115200);
  EXPECT_EQ(p.threads, 2);
  EXPECT_EQ(p.kernels, "ref");
}

TEST(Profile, ErrorsNameTheKey) {
  EXPECT_NE(error_of("[board]\ndescription=\"x\"\n").find("p.toml: [board] name is missing"),
            std::string::npos);
  EXPECT_NE(error_of("[board]\nname=\"b\"\n[gpu]\nx=1\n").find("unknown table [gpu]"),
            std::string::npos);
  EXPECT_NE(error_of("[board]\nname=\"b\"\n[serial]\nport=\"/dev/x\"\n")
                .find("p.toml: serial.port is not a known key (known in [serial]: baud, device)"),
            std::string::npos);
  EXPECT_NE(error_of("[board]\nname=\"b\"\n[inference]\nthreads=0\n")
                .find("inference.threads must be an integer in [1, 64]"),
            std::string::npos);
  EXPECT_NE(error_of("[board]\nname=\"b\"\n[inference]\nkernels=\"neon\"\n")
                .find("inference.kernels is \"neon\"; expected \"fast\" or \"ref\""),
            std::string::npos);
  EXPECT_NE(error_of("[board]\nname=\"b\"\n[serial]\nbaud=\"fast\"\n").find("serial.baud must be"),
            std::string::npos);
  EXPECT_NE(error_of("[board\n").find("p.toml:1:"), std::string::npos);
}

TEST(Profile, MissingFileIsNamed) {
  try {
    load_profile("/no/such/profile.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("profile /no/such/profile.toml"), std::string::npos);
  }
}

}  // namespace
}  // namespace edge::graph
