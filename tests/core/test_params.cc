// Parameter tables: declaring (types, defaults from the Settings struct, ranges, flags),
// reading and writing fields, and values given as text checked as gst-launch-1.0 reads them.
#include <gtest/gtest.h>

#include <limits>

#include "common/error.h"
#include "params/params.h"

namespace edge::params {
namespace {

enum class Fruit { kApple = 0, kPear = 3 };

struct DemoSettings {
  Fruit fruit = Fruit::kPear;
  double size = 0.03;
  uint32_t count = 4;
  int32_t offset = -2;
  int64_t big = 1;
  uint64_t huge = 7;
  float gain = 0.5f;
  bool on = true;
  std::string path;
  std::string list = "1,2";
};

struct DemoStatistics {
  uint64_t seen = 0;
  double rate = 0.0;
};

std::string even_only(const Value& v) {
  return v.u % 2 ? std::to_string(v.u) + " is odd" : std::string();
}
std::string digits_and_commas(const Value& v) {
  return v.s.find_first_not_of("0123456789,") == std::string::npos
             ? std::string()
             : "\"" + v.s + "\" holds more than digits and commas";
}

const Table& demo_params() {
  static const Table table = [] {
    TableBuilder<DemoSettings, DemoStatistics> b("edgedemo", "A demonstration");
    b.choice("fruit", "Fruit", "Which fruit", &DemoSettings::fruit, "GstEdgeDemoFruit",
             {{int(Fruit::kApple), "apple", "An apple"}, {int(Fruit::kPear), "pear", "A pear"}});
    b.number("size", "Size (s)", "Seconds", &DemoSettings::size, 1e-6, 60.0);
    b.number("count", "Count", "An even count", &DemoSettings::count, 0, 100)
        .check(even_only, "even");
    b.number("offset", "Offset", "Signed", &DemoSettings::offset, -10, 10);
    b.number("big", "Big", "64-bit signed", &DemoSettings::big, std::numeric_limits<int64_t>::min(),
             std::numeric_limits<int64_t>::max());
    b.number("huge", "Huge", "64-bit unsigned", &DemoSettings::huge, 1,
             std::numeric_limits<uint64_t>::max());
    b.number("gain", "Gain", "A float", &DemoSettings::gain, 0.0f, 1.0f)
        .flags(kReadable | kWritable | kMutablePlaying);
    b.boolean("on", "On", "Switched on", &DemoSettings::on);
    b.text("path", "Path", "A file", &DemoSettings::path).nullable();
    b.text("list", "List", "Numbers", &DemoSettings::list)
        .check(digits_and_commas, "numbers separated by commas");
    b.statistic("seen", "Seen", "Values seen", &DemoStatistics::seen);
    b.statistic("rate", "Rate", "Values per second", &DemoStatistics::rate);
    return b.build();
  }();
  return table;
}

const Param& param(const char* name) {
  const Param* p = demo_params().find(name);
  EXPECT_NE(p, nullptr) << name;
  return *p;
}

// Parses text; returns the message ("" when valid) and the value.
std::string parsed(const char* name, const std::string& text, Value* value = nullptr) {
  Value v;
  std::string why = parse(param(name), text, &v);
  if (value) *value = v;
  return why;
}

TEST(Params, DeclaresTypesDefaultsRangesAndFlags) {
  const Table& t = demo_params();
  EXPECT_EQ(t.element, "edgedemo");
  ASSERT_EQ(t.params.size(), 12u);
  EXPECT_EQ(t.find("nope"), nullptr);

  EXPECT_EQ(param("fruit").type, Type::kEnum);
  EXPECT_EQ(param("fruit").def.i, 3);
  EXPECT_STREQ(param("fruit").enum_type, "GstEdgeDemoFruit");
  EXPECT_EQ(param("size").type, Type::kDouble);
  EXPECT_DOUBLE_EQ(param("size").def.d, 0.03);
  EXPECT_DOUBLE_EQ(param("size").min.d, 1e-6);
  EXPECT_EQ(param("count").type, Type::kUInt);
  EXPECT_EQ(param("count").def.u, 4u);
  EXPECT_EQ(param("count").max.u, 100u);
  EXPECT_EQ(param("offset").type, Type::kInt);
  EXPECT_EQ(param("offset").def.i, -2);
  EXPECT_EQ(param("big").type, Type::kInt64);
  EXPECT_EQ(param("huge").type, Type::kUInt64);
  EXPECT_EQ(param("gain").type, Type::kFloat);
  EXPECT_EQ(param("on").type, Type::kBool);
  EXPECT_TRUE(param("on").def.b);
  EXPECT_EQ(param("path").type, Type::kString);
  EXPECT_TRUE(param("path").nullable);
  EXPECT_TRUE(param("path").def.null);
  EXPECT_EQ(param("list").def.s, "1,2");

  EXPECT_EQ(param("size").flags, kSetting);
  EXPECT_EQ(param("gain").flags, kReadable | kWritable | kMutablePlaying);
  EXPECT_TRUE(param("size").writable());
  EXPECT_EQ(param("seen").flags, kStatistic);
  EXPECT_FALSE(param("seen").writable());
  EXPECT_TRUE(param("seen").statistic);
  EXPECT_EQ(param("seen").max.u, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(param("rate").max.d, std::numeric_limits<double>::max());
}

TEST(Params, GetAndSetReachTheBoundFields) {
  DemoSettings s;
  const Table& t = demo_params();
  for (const Param& p : t.params) {
    if (p.statistic) continue;
    // Every default reads back from a default-constructed Settings.
    EXPECT_EQ(to_text(p, get(p, &s)), to_text(p, p.def)) << p.name;
  }
  Value v;
  v.i = int(Fruit::kApple);
  set(param("fruit"), &s, v);
  EXPECT_EQ(s.fruit, Fruit::kApple);
  v.d = 2.5;
  set(param("size"), &s, v);
  EXPECT_EQ(s.size, 2.5);
  set(param("gain"), &s, v);
  EXPECT_EQ(s.gain, 2.5f);
  v.u = 42;
  set(param("count"), &s, v);
  EXPECT_EQ(s.count, 42u);
  v.i = -7;
  set(param("offset"), &s, v);
  EXPECT_EQ(s.offset, -7);
  v.b = false;
  set(param("on"), &s, v);
  EXPECT_FALSE(s.on);
  v.s = "/tmp/x";
  set(param("path"), &s, v);
  EXPECT_EQ(s.path, "/tmp/x");
  EXPECT_FALSE(get(param("path"), &s).null);
  v.null = true;  // NULL stores "", and "" of a nullable text reads back as NULL
  set(param("path"), &s, v);
  EXPECT_EQ(s.path, "");
  EXPECT_TRUE(get(param("path"), &s).null);
  // The other fields are untouched.
  EXPECT_EQ(s.list, "1,2");
  EXPECT_EQ(s.big, 1);

  DemoStatistics stats;
  publish(&stats.seen, uint64_t{12});
  publish(&stats.rate, 99.5);
  EXPECT_EQ(get(param("seen"), &stats).u, 12u);
  EXPECT_EQ(get(param("rate"), &stats).d, 99.5);
}

TEST(Params, TextIsReadAsGstLaunchReadsIt) {
  Value v;
  for (const char* yes : {"true", "TRUE", "yes", "t", "1"}) {
    EXPECT_EQ(parsed("on", yes, &v), "") << yes;
    EXPECT_TRUE(v.b) << yes;
  }
  for (const char* no : {"false", "No", "f", "0"}) {
    EXPECT_EQ(parsed("on", no, &v), "") << no;
    EXPECT_FALSE(v.b) << no;
  }
  EXPECT_EQ(parsed("count", "0x10", &v), "");
  EXPECT_EQ(v.u, 16u);
  EXPECT_EQ(parsed("offset", "-10", &v), "");
  EXPECT_EQ(v.i, -10);
  EXPECT_EQ(parsed("big", "-9223372036854775808", &v), "");
  EXPECT_EQ(v.i, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(parsed("huge", "18446744073709551615", &v), "");
  EXPECT_EQ(v.u, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(parsed("size", "1e-3", &v), "");
  EXPECT_DOUBLE_EQ(v.d, 0.001);
  EXPECT_EQ(parsed("size", ".5", &v), "");
  EXPECT_EQ(parsed("fruit", "apple", &v), "");
  EXPECT_EQ(v.i, 0);
  EXPECT_EQ(parsed("fruit", "A pear", &v), "");  // the value name, as GStreamer takes it
  EXPECT_EQ(v.i, 3);
  EXPECT_EQ(parsed("fruit", "3", &v), "");  // or the number
  EXPECT_EQ(v.i, 3);
  EXPECT_EQ(parsed("path", "", &v), "");
  EXPECT_EQ(parsed("list", "10,20", &v), "");
  EXPECT_EQ(v.s, "10,20");
}

TEST(Params, WrongTextIsRefusedNamingTheValue) {
  EXPECT_EQ(parsed("on", "maybe"), "\"maybe\" is not true or false");
  EXPECT_EQ(parsed("count", "-1"), "-1 is below the minimum 0");
  EXPECT_EQ(parsed("count", "102"), "102 is above the maximum 100");
  EXPECT_EQ(parsed("count", "7"), "7 is odd");
  EXPECT_EQ(parsed("count", "3.5"), "\"3.5\" is not an integer");
  EXPECT_EQ(parsed("count", ""), "\"\" is not an integer");
  EXPECT_EQ(parsed("count", "99999999999999999999999"),
            "\"99999999999999999999999\" is out of range");
  EXPECT_EQ(parsed("offset", "-11"), "-11 is below the minimum -10");
  EXPECT_EQ(parsed("big", "9223372036854775808"),
            "9223372036854775808 is above the maximum 9223372036854775807");
  EXPECT_EQ(parsed("huge", "0"), "0 is below the minimum 1");
  EXPECT_EQ(parsed("size", "abc"), "\"abc\" is not a number");
  EXPECT_EQ(parsed("size", "2.5abc"), "\"2.5abc\" is not a number");
  EXPECT_EQ(parsed("size", "nan"), "\"nan\" is not a number");
  EXPECT_EQ(parsed("size", "-1"), "-1 is below the minimum 1e-06");
  EXPECT_EQ(parsed("size", "61"), "61 is above the maximum 60");
  EXPECT_EQ(parsed("gain", "1.5"), "1.5 is above the maximum 1");
  EXPECT_EQ(parsed("fruit", "plum"), "\"plum\" is not one of apple or pear");
  EXPECT_EQ(parsed("fruit", "1"), "\"1\" is not one of apple or pear");
  EXPECT_EQ(parsed("list", "1;2"), "\"1;2\" holds more than digits and commas");
}

TEST(Params, AllowedValuesAndTextForms) {
  EXPECT_EQ(allowed(param("size")), "a number from 1e-06 to 60");
  EXPECT_EQ(allowed(param("count")), "an integer from 0 to 100 (even)");
  EXPECT_EQ(allowed(param("offset")), "an integer from -10 to 10");
  EXPECT_EQ(allowed(param("fruit")), "one of apple or pear");
  EXPECT_EQ(allowed(param("on")), "true or false");
  EXPECT_EQ(allowed(param("path")), "any text");
  EXPECT_EQ(allowed(param("list")), "numbers separated by commas");
  EXPECT_EQ(to_text(param("size"), param("size").def), "0.03");
  EXPECT_EQ(to_text(param("gain"), param("gain").def), "0.5");
  Value tenth;
  tenth.d = 0.1f;  // a float's shortest text, not its double expansion
  EXPECT_EQ(to_text(param("gain"), tenth), "0.1");
  EXPECT_EQ(to_text(param("fruit"), param("fruit").def), "pear");
  EXPECT_EQ(to_text(param("path"), param("path").def), "");
  EXPECT_EQ(std::string(type_name(Type::kUInt64)), "uint64");
}

struct Bad {
  uint32_t n = 5;
  uint32_t m = 1;
};

TEST(Params, BuilderRefusesABrokenTable) {
  auto message = [](auto declare) {
    try {
      TableBuilder<Bad> b("edgebad", "broken");
      declare(b);
      b.build();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([](TableBuilder<Bad>& b) { b.number("n", "N", "n", &Bad::n, 0, 4); }),
            "edgebad n: the default is invalid: 5 is above the maximum 4");
  EXPECT_EQ(message([](TableBuilder<Bad>& b) {
              b.number("n", "N", "n", &Bad::n, 0, 9);
              b.number("n", "M", "m", &Bad::m, 0, 9);
            }),
            "edgebad n: declared twice");
  EXPECT_EQ(message([](TableBuilder<Bad>& b) { b.number("Big N", "N", "n", &Bad::n, 0, 9); }),
            "edgebad Big N: a name is lower-case letters, digits and '-'");
  EXPECT_EQ(message([](TableBuilder<Bad>& b) {
              b.number("n", "N", "n", &Bad::n, 0, 9).check(even_only, "");
            }),
            "edgebad n: a check needs a description of what it allows");
  EXPECT_EQ(message([](TableBuilder<Bad>& b) {
              b.number("n", "N", "n", &Bad::n, 0, 9).check(even_only, "even");
            }),
            "edgebad n: the default is invalid: 5 is odd");
}

}  // namespace
}  // namespace edge::params
