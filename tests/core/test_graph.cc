// Graph definitions: parsing, placeholder substitution, segment composition, preprocess hash,
// shell quoting; and the deterministic dataset shard selection the CLI relies on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "common/error.h"
#include "common/sha256.h"
#include "datasets/dataset.h"
#include "graph/element_params.h"
#include "graph/graph.h"

namespace edge::graph {
namespace {

const char* kDefinition = R"(
[app]
name = "demo"
description = "a test application"
rate = 16000

[placeholders]
in = { default = "${app_dir}/data", kind = "directory", help = "input folder" }
out = { help = "output folder" }
gain = "2"

[segments]
scale = "edgenormalize mode=minmax ranges=0:${gain}"
preprocess = "edgewindow size-samples=30 ! ${scale}"

[modes]
dataset = "edgedatasetsrc location=${in} ! ${preprocess} ! edgedatasetsink location=${out} preprocess=${preprocess} parameters=${parameters}"
raw = "edgedatasetsrc location=${in} ! fakesink"
)";

GraphDefinition demo() { return parse_definition(kDefinition, "demo.toml", "/apps/demo"); }

std::string sha256(const std::string& text) {
  Sha256 h;
  h.update(text.data(), text.size());
  return h.hex_digest();
}

TEST(Graph, ParsesAppPlaceholdersSegmentsAndModes) {
  const GraphDefinition def = demo();
  EXPECT_EQ(def.name, "demo");
  EXPECT_EQ(def.description, "a test application");
  ASSERT_EQ(def.facts.size(), 1u);
  EXPECT_EQ(def.facts[0].first, "rate");
  EXPECT_EQ(def.facts[0].second, "16000");
  ASSERT_EQ(def.placeholders.size(), 3u);
  EXPECT_EQ(def.placeholder("in")->kind, ValueKind::kDirectory);
  EXPECT_FALSE(def.placeholder("out")->has_default);
  EXPECT_EQ(def.placeholder("gain")->default_value, "2");
  EXPECT_EQ(def.mode_names, (std::vector<std::string>{"dataset", "raw"}));
  EXPECT_FALSE(def.is_mode("preprocess"));
}

TEST(Graph, ResolvesSplicesSegmentsAndKeepsValuesOneWord) {
  const ResolvedGraph r = resolve(demo(), "dataset", {{"out", "/tmp/my set"}});
  const std::string pre = "edgewindow size-samples=30 ! edgenormalize mode=minmax ranges=0:2";
  EXPECT_EQ(r.preprocess, pre);
  EXPECT_EQ(r.preprocess_sha256, sha256(pre));
  EXPECT_EQ(r.preprocess_parameters, (std::map<std::string, std::string>{{"gain", "2"}}));
  const std::string params = "{\"app\":\"demo\",\"preprocess_sha256\":\"" + sha256(pre) +
                             "\",\"values\":{\"gain\":\"2\"}}";
  const std::vector<std::string> expected = {"edgedatasetsrc",
                                             "location=/apps/demo/data",
                                             "!",
                                             "edgewindow",
                                             "size-samples=30",
                                             "!",
                                             "edgenormalize",
                                             "mode=minmax",
                                             "ranges=0:2",
                                             "!",
                                             "edgedatasetsink",
                                             "location=/tmp/my set",
                                             "preprocess=" + pre,
                                             "parameters=" + params};
  EXPECT_EQ(r.argv, expected);
  EXPECT_EQ(r.values.at("in"), "/apps/demo/data");
}

TEST(Graph, GivenValueChangesTheHash) {
  const ResolvedGraph a = resolve(demo(), "dataset", {{"out", "x"}});
  const ResolvedGraph b = resolve(demo(), "dataset", {{"out", "x"}, {"gain", "4"}});
  EXPECT_NE(a.preprocess_sha256, b.preprocess_sha256);
  EXPECT_EQ(b.preprocess, "edgewindow size-samples=30 ! edgenormalize mode=minmax ranges=0:4");
  // A mode without ${preprocess} needs none of its placeholders and has no hash.
  const ResolvedGraph raw = resolve(demo(), "raw", {});
  EXPECT_TRUE(raw.preprocess.empty());
  EXPECT_TRUE(raw.preprocess_sha256.empty());
}

// A model file the preprocessing runs is recorded by its content: two copies at different
// paths give the same canonical text, another content another text; what runs is the path.
TEST(Graph, FileInPreprocessIsRecordedByContent) {
  const char* definition = R"(
[app]
name = "front"
[placeholders]
front = { kind = "file", help = "front-end model" }
out = { help = "output folder" }
[segments]
preprocess = "edgewindow size-samples=30 ! edgeinfer model=${front}"
[modes]
dataset = "edgedatasetsrc location=/in ! ${preprocess} ! edgedatasetsink location=${out} preprocess=${preprocess}"
)";
  const GraphDefinition def = parse_definition(definition, "front.toml", "/apps/front");
  char dir_template[] = "/tmp/edge-graph-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const auto write = [](const std::string& path, const std::string& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  };
  write(dir + "/a.tflite", "same bytes");
  write(dir + "/b.tflite", "same bytes");
  write(dir + "/c.tflite", "other bytes");
  const auto run = [&](const std::string& file) {
    return resolve(def, "dataset", {{"front", dir + "/" + file}, {"out", "/out"}});
  };
  const ResolvedGraph a = run("a.tflite"), b = run("b.tflite"), c = run("c.tflite");
  EXPECT_EQ(a.preprocess,
            "edgewindow size-samples=30 ! edgeinfer model=sha256:" + sha256("same bytes"));
  EXPECT_EQ(a.preprocess, b.preprocess);
  EXPECT_EQ(a.preprocess_sha256, b.preprocess_sha256);
  EXPECT_NE(a.preprocess, c.preprocess);
  EXPECT_NE(std::find(a.argv.begin(), a.argv.end(), "model=" + dir + "/a.tflite"), a.argv.end());
  for (const char* file : {"a.tflite", "b.tflite", "c.tflite"})
    std::remove((dir + "/" + file).c_str());
  ::rmdir(dir.c_str());
}

void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    for (const auto& part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(Graph, ModeMayShareAPlaceholdersName) {
  const GraphDefinition def = parse_definition(
      "[app]\nname=\"a\"\n[placeholders]\ndataset=\"/d\"\n[segments]\npreprocess=\"p\"\n"
      "[modes]\ndataset=\"src location=${dataset} ! ${preprocess}\"\n",
      "a.toml", ".");
  EXPECT_EQ(resolve(def, "dataset", {}).argv,
            (std::vector<std::string>{"src", "location=/d", "!", "p"}));
}

TEST(Graph, ErrorsNameWhatIsWrong) {
  expect_error([] { resolve(demo(), "train", {}); }, {"no mode 'train'", "dataset, raw"});
  expect_error([] { resolve(demo(), "preprocess", {}); }, {"no mode 'preprocess'"});
  expect_error([] { resolve(demo(), "dataset", {}); },
               {"demo dataset", "${out}", "out=...", "output folder"});
  expect_error(
      [] {
        resolve(demo(), "dataset", {{"out", "x"}, {"gian", "3"}});
      },
      {"no placeholder 'gian'", "in, out, gain"});
  expect_error([] { parse_definition("[app\nname=1", "bad.toml", "."); }, {"bad.toml:1"});
  expect_error(
      [] { parse_definition("[app]\nname=\"a\"\n[segments]\npreprocess=\"x\"\n", "a.toml", "."); },
      {"no [modes]"});
  expect_error(
      [] {
        parse_definition(
            "[app]\nname=\"a\"\n[segments]\npreprocess=\"x ${nope}\"\n[modes]\nm=\"y\"", "a.toml",
            ".");
      },
      {"${nope}", "neither a segment nor a declared placeholder"});
  expect_error(
      [] {
        parse_definition(
            "[app]\nname=\"a\"\n[segments]\npreprocess=\"${b}\"\nb=\"${preprocess}\"\n[modes]\nm="
            "\"y\"",
            "a.toml", ".");
      },
      {"cycle", "preprocess -> b -> preprocess"});
  expect_error(
      [] {
        parse_definition("[app]\nname=\"a\"\n[segments]\npreprocess=\"x '\"\n[modes]\nm=\"y\"",
                         "a.toml", ".");
      },
      {"unterminated"});
  expect_error([] { parse_assignment("novalue"); }, {"'novalue' is not key=value"});
  expect_error([] { parse_assignment("=3"); }, {"not key=value"});
}

// The element properties a placeholder sets are checked against the element's declared
// parameters before anything runs, naming the placeholder, element, property and what is allowed.
TEST(Graph, PropertyValuesAreCheckedAgainstTheDeclaredParameters) {
  const GraphDefinition def = parse_definition(R"(
[app]
name = "imu"
[placeholders]
threshold = "2.5"
size = "1.0"
tail = "pad"
lo = "-4"
hi = "4"
baud = "9600"
[segments]
window = "edgewindow mode=triggered threshold=${threshold} tail=${tail} size=${size} name=w"
preprocess = "${window} ! edgenormalize mode=minmax ranges=${lo}:${hi}"
[modes]
live = "edgeimusrc device=/dev/null baud=${baud} ! ${preprocess} ! othersink threshold=${threshold}"
literal = "edgewindow tail=bogus ! fakesink"
caps = "audiotestsrc ! audio/x-raw,rate=${size} ! fakesink"
)",
                                               "imu.toml", ".");
  EXPECT_NO_THROW(resolve(def, "live", {}));
  expect_error(
      [&] {
        resolve(def, "live", {{"threshold", "abc"}});
      },
      {"imu live: placeholder threshold=\"abc\" gives edgewindow threshold=\"abc\"",
       "\"abc\" is not a number", "allowed: any number"});
  expect_error(
      [&] {
        resolve(def, "live", {{"size", "-1"}});
      },
      {"placeholder size=\"-1\"", "edgewindow size=\"-1\"", "below the minimum 1e-06",
       "allowed: a number from 1e-06 to 3600"});
  expect_error(
      [&] {
        resolve(def, "live", {{"tail", "bogus"}});
      },
      {"placeholder tail=\"bogus\"", "edgewindow tail", "allowed: one of pad or drop"});
  expect_error(
      [&] {
        resolve(def, "live", {{"hi", "-8"}});
      },
      {"placeholders lo=\"-4\", hi=\"-8\"", "edgenormalize ranges=\"-4:-8\""});
  expect_error(
      [&] {
        resolve(def, "live", {{"baud", "12345"}});
      },
      {"edgeimusrc baud=\"12345\"", "not one of the termios rates"});
  // Empty values are the command line's to refuse (gst-launch would read the next word).
  EXPECT_NO_THROW(resolve(def, "live", {{"threshold", ""}}));
  // A literal value of the definition itself is checked too, naming the segment.
  expect_error([&] { resolve(def, "literal", {}); },
               {"imu.toml: segment literal: edgewindow tail=\"bogus\""});
  // Not an element with declared parameters (othersink), caps, name=: left to GStreamer.
  EXPECT_NO_THROW(resolve(def, "caps", {{"size", "abc"}}));
}

// Every declared table: one per element, and each writable default, written as text the way
// graph.toml and gst-launch-1.0 give it, is accepted and reads back the same.
TEST(ElementParams, EveryDefaultReadsBackAsText) {
  const auto& tables = all_element_params();
  ASSERT_GE(tables.size(), 6u);
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i) {
      EXPECT_LT(tables[i - 1]->element, tables[i]->element);
    }
    EXPECT_EQ(element_params(tables[i]->element), tables[i]);
    for (const params::Param& p : tables[i]->params) {
      if (!p.writable()) continue;
      const std::string text = params::to_text(p, p.def);
      params::Value v;
      EXPECT_EQ(params::parse(p, text, &v), "") << tables[i]->element << " " << p.name;
      EXPECT_EQ(params::to_text(p, v), text) << tables[i]->element << " " << p.name;
    }
  }
  EXPECT_EQ(element_params("fakesink"), nullptr);
}

TEST(Graph, CheckValueByKind) {
  Placeholder device;
  device.name = "device";
  device.kind = ValueKind::kDevice;
  EXPECT_NO_THROW(check_value(device, "/dev/null"));
  expect_error([&] { check_value(device, "/dev/ttyNOPE0"); }, {"device=/dev/ttyNOPE0", "no such"});
  expect_error([&] { check_value(device, "/tmp"); }, {"not a character device"});
  Placeholder dir;
  dir.name = "in";
  dir.kind = ValueKind::kDirectory;
  EXPECT_NO_THROW(check_value(dir, "/tmp"));
  expect_error([&] { check_value(dir, "/dev/null"); }, {"in=/dev/null", "not a directory"});
}

TEST(Graph, SplitWordsAndShellQuoting) {
  EXPECT_EQ(split_words("  a  b=\"c d\" 'e\"f' g\\ h\n", "t"),
            (std::vector<std::string>{"a", "b=c d", "e\"f", "g h"}));
  EXPECT_TRUE(split_words("", "t").empty());
  EXPECT_EQ(shell_quote("ranges=-4:4,-2000:2000"), "ranges=-4:4,-2000:2000");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(launch_line({"fakesrc", "!", "fakesink", "name=a b"}),
            "gst-launch-1.0 fakesrc ! fakesink 'name=a b'");
}

TEST(DatasetShard, PartitionsRoundRobinAndParses) {
  std::vector<datasets::Entry> all(7);
  for (size_t i = 0; i < all.size(); ++i) all[i].clip_id = std::to_string(i);
  std::vector<std::string> seen;
  for (int k = 1; k <= 3; ++k) {
    auto part = all;
    datasets::select_shard(&part, k, 3);
    EXPECT_EQ(part.size(), k == 1 ? 3u : 2u);
    for (const auto& e : part) seen.push_back(e.clip_id);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "3", "6", "1", "4", "2", "5"}));
  auto one = all;
  datasets::select_shard(&one, 1, 1);
  EXPECT_EQ(one.size(), 7u);
  std::vector<datasets::Entry> empty;
  datasets::select_shard(&empty, 2, 2);
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(datasets::parse_shard(" 2/4 ", "shard"), std::make_pair(2, 4));
  for (const char* bad : {"0/2", "3/2", "1/0", "1", "a/b", "", "1/2/3"})
    expect_error([&] { datasets::parse_shard(bad, "shard"); }, {"shard: '", "K/N"});
  expect_error([&] { datasets::select_shard(&one, 0, 2); }, {"1 <= K <= N"});
}

}  // namespace
}  // namespace edge::graph
