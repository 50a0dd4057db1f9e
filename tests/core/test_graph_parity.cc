// Canonical preprocess (statistics placeholders stay ${name}, so the text and its hash do
// not depend on where the statistics file lives) and the parity comparison edgeinfer and
// `edgestream classify` use (core/runtime/nn/parity.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "common/error.h"
#include "graph/graph.h"
#include "nn/parity.h"

namespace edge::graph {
namespace {
using nn::preprocess_difference;
using nn::read_text_file;
using nn::same_statistics;

const char* kSound = R"(
[app]
name = "snd"
[placeholders]
in = { help = "input" }
stats = { kind = "statistics", help = "statistics JSON" }
model = { kind = "file", help = "model" }
[segments]
preprocess = "edgewindow size=1.0 ! edgenormalize mode=zscore stats-file=${stats}"
[modes]
dataset = "src location=${in} ! ${preprocess} ! sink preprocess=${preprocess} parameters=${parameters} statistics=${stats}"
realtime = "autoaudiosrc ! ${preprocess} ! edgeinfer model=${model} preprocess=${preprocess} statistics=${stats}"
)";

bool has_word(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

TEST(GraphCanonical, StatisticsPathStaysAPlaceholderInThePreprocessText) {
  const GraphDefinition def = parse_definition(kSound, "snd.toml", "/apps/snd");
  EXPECT_EQ(def.placeholder("stats")->kind, ValueKind::kStatistics);
  const ResolvedGraph a = resolve(def, "dataset", {{"in", "/d"}, {"stats", "/lab/stats.json"}});
  const ResolvedGraph b = resolve(def, "dataset", {{"in", "/d"}, {"stats", "/tmp/x/s.json"}});
  const std::string canonical =
      "edgewindow size=1.0 ! edgenormalize mode=zscore stats-file=${stats}";
  EXPECT_EQ(a.preprocess, canonical);
  EXPECT_EQ(b.preprocess, canonical);
  EXPECT_EQ(a.preprocess_sha256, b.preprocess_sha256);
  // The pipeline that runs reads the real file; the recorded property is canonical.
  EXPECT_TRUE(has_word(a.argv, "stats-file=/lab/stats.json"));
  EXPECT_TRUE(has_word(a.argv, "preprocess=" + canonical));
  EXPECT_TRUE(has_word(a.argv, "statistics=/lab/stats.json"));
  // Parameters keep the real value as provenance.
  EXPECT_EQ(a.preprocess_parameters.at("stats"), "/lab/stats.json");
}

TEST(GraphCanonical, RealtimeModeStatesTheSameTextAsTheDatasetMode) {
  const GraphDefinition def = parse_definition(kSound, "snd.toml", "/apps/snd");
  const ResolvedGraph data = resolve(def, "dataset", {{"in", "/d"}, {"stats", "/a.json"}});
  const ResolvedGraph live = resolve(def, "realtime", {{"model", "/m"}, {"stats", "/b.json"}});
  EXPECT_EQ(data.preprocess, live.preprocess);
  EXPECT_TRUE(has_word(live.argv, "preprocess=" + data.preprocess));
}

TEST(GraphCanonical, StatisticsKindIsNotCheckedForExistence) {
  const GraphDefinition def = parse_definition(kSound, "snd.toml", "/apps/snd");
  EXPECT_NO_THROW(check_value(*def.placeholder("stats"), "/no/such/stats.json"));
  EXPECT_THROW(check_value(*def.placeholder("model"), "/no/such/model.tflite"), Error);
}

TEST(GraphCanonical, UnknownKindListsStatistics) {
  try {
    parse_definition(
        "[app]\nname=\"a\"\n[placeholders]\nx={kind=\"stat\"}\n[segments]\npreprocess=\"p\"\n"
        "[modes]\nm=\"${preprocess}\"\n",
        "a.toml", ".");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text, file, directory, device, statistics"),
              std::string::npos)
        << e.what();
  }
}

TEST(Parity, EqualTextsAndStatisticsAgree) {
  EXPECT_EQ(preprocess_difference("a ! b", "", "a ! b", ""), "");
  EXPECT_EQ(
      preprocess_difference("a", "{\"mean\": 1.5, \"std\": 2}", "a", "{\"std\":2,\"mean\":1.5}"),
      "");
}

TEST(Parity, DifferentTextShowsBothSides) {
  const std::string d = preprocess_difference(
      "edgenormalize mode=minmax", "", "edgenormalize mode=zscore", "", "graph", "model m.tflite");
  EXPECT_EQ(d,
            "preprocess differs:\n  graph: edgenormalize mode=minmax\n"
            "  model m.tflite: edgenormalize mode=zscore");
}

TEST(Parity, DifferentOrMissingStatisticsShowBoth) {
  EXPECT_EQ(preprocess_difference("p", "{\"mean\": 1}", "p", "{\"mean\": 2}"),
            "statistics differ:\n  graph: {\"mean\":1}\n  model: {\"mean\":2}");
  EXPECT_EQ(preprocess_difference("p", "", "p", "{\"mean\":2}"),
            "statistics differ:\n  graph: (none)\n  model: {\"mean\":2}");
  const std::string both = preprocess_difference("p", "x", "q", "y");
  EXPECT_NE(both.find("preprocess differs"), std::string::npos);
  EXPECT_NE(both.find("statistics differ:\n  graph: x\n  model: y"), std::string::npos);
}

TEST(Parity, SameStatisticsEdgeCases) {
  EXPECT_TRUE(same_statistics("", ""));
  EXPECT_FALSE(same_statistics("", "{}"));
  EXPECT_TRUE(same_statistics("not json", "not json"));
  EXPECT_FALSE(same_statistics("not json", "not json "));
  EXPECT_FALSE(same_statistics("[1, 2]", "[2, 1]"));
  EXPECT_TRUE(same_statistics("[1, 2]", " [1,2]\n"));
}

TEST(Parity, ReadTextFile) {
  char path[] = "/tmp/edge_parity_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "ab\0c", 4), 4);
  close(fd);
  EXPECT_EQ(read_text_file(path, "stats"), std::string("ab\0c", 4));
  std::remove(path);
  try {
    read_text_file(path, "statistics file");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(std::string("statistics file ") + path), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace edge::graph
