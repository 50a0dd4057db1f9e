// Evaluation reports: Markdown, JSON, SVG and the run log.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "eval/report.h"

namespace edge::eval {
namespace {

Report sample_report() {
  Report r;
  r.title = "gesture";
  r.class_names = {"punch", "flex"};
  r.metrics = compute_metrics_from_logits({0, 1, 1}, {2.0f, 0.0f, 0.0f, 1.0f, 3.0f, 0.0f}, 2);
  Variant f;
  f.name = "float32";
  f.accuracy = 2.0 / 3.0;
  f.file_bytes = 40000;
  f.parameters = 9847;
  r.variants.push_back(f);
  r.history = {{1.0, 0.5, 1.2, 0.4}, {0.5, 0.8, 0.7, 0.7}, {0.25, 1.0, 0.6, 0.9}};
  return r;
}

TEST(Report, MarkdownHoldsTablesAndDashesForUnmeasured) {
  const std::string md = to_markdown(sample_report());
  EXPECT_NE(md.find("# gesture"), std::string::npos);
  EXPECT_NE(md.find("accuracy: 0.6667"), std::string::npos) << md;
  // punch: predicted twice (samples 0 and 2), right once: precision 0.5, recall 1.
  EXPECT_NE(md.find("| punch | 0.5000 | 1.0000 | 0.6667 | 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| flex | 1 | 1 |"), std::string::npos) << md;
  // latency, MACs and arena were not measured.
  EXPECT_NE(md.find("| float32 | 0.6667 | - | - | 40000 | 9847 | - | - | - |"), std::string::npos)
      << md;
  // Not scored by clip: no clip section, no "By window" label.
  EXPECT_EQ(md.find("By clip"), std::string::npos) << md;
  EXPECT_EQ(md.find("By window"), std::string::npos) << md;
}

TEST(Report, ClipSectionBesideTheWindowFigures) {
  Report r = sample_report();
  Report::ClipSection clips;
  clips.metrics = compute_metrics({0, 1}, {0, 0}, 2);
  clips.min_windows = 1;
  clips.max_windows = 2;
  r.clips = clips;
  r.variants[0].clip_accuracy = 0.5;
  r.variants[0].clips = 2;
  const std::string md = to_markdown(r);
  // The window figures come first and are labelled as such.
  const size_t window = md.find("By window: samples: 3, accuracy: 0.6667");
  const size_t clip = md.find("## By clip\n\nClips: 2, accuracy: 0.5000");
  ASSERT_NE(window, std::string::npos) << md;
  ASSERT_NE(clip, std::string::npos) << md;
  EXPECT_LT(window, clip);
  EXPECT_NE(md.find("1 to 2 windows per clip, a clip's class probabilities are the mean of its "
                    "windows'"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| flex | 0.0000 | 0.0000 | 0.0000 | 1 |", clip), std::string::npos) << md;
  EXPECT_NE(md.find("| float32 | 0.6667 | 0.5000 | - | 40000 |"), std::string::npos) << md;

  const nlohmann::json j = nlohmann::json::parse(to_json(r));
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), 2.0 / 3.0);
  EXPECT_EQ(j["by_clip"]["samples"], 2);
  EXPECT_DOUBLE_EQ(j["by_clip"]["accuracy"].get<double>(), 0.5);
  EXPECT_EQ(j["by_clip"]["confusion"], nlohmann::json::parse("[[1,0],[1,0]]"));
  EXPECT_EQ(j["by_clip"]["max_windows_per_clip"], 2);
  EXPECT_DOUBLE_EQ(j["variants"][0]["clip_accuracy"].get<double>(), 0.5);

  clips.max_windows = 1;
  clips.min_windows = 1;
  r.clips = clips;
  EXPECT_NE(to_markdown(r).find("one window per clip: the same figures as by window"),
            std::string::npos);
  EXPECT_TRUE(nlohmann::json::parse(to_json(sample_report()))["by_clip"].is_null());
}

TEST(Report, JsonRoundTripsWithNullForUnmeasured) {
  const nlohmann::json j = nlohmann::json::parse(to_json(sample_report()));
  EXPECT_EQ(j["samples"], 3);
  EXPECT_EQ(j["confusion"], nlohmann::json::parse("[[1,0],[1,1]]"));
  EXPECT_EQ(j["classes"][0]["name"], "punch");
  EXPECT_DOUBLE_EQ(j["classes"][1]["recall"].get<double>(), 0.5);
  EXPECT_TRUE(j["variants"][0]["latency_us"].is_null());
  EXPECT_EQ(j["variants"][0]["parameters"], 9847);
  EXPECT_EQ(j["history"].size(), 3u);
}

TEST(Report, SvgPlots) {
  const Report r = sample_report();
  const std::string curves = training_curves_svg(r.history);
  EXPECT_EQ(curves.rfind("<svg", 0), 0u);
  EXPECT_NE(curves.find("</svg>"), std::string::npos);
  // Four polylines: loss and accuracy, train and validation.
  size_t lines = 0;
  for (size_t at = curves.find("<polyline"); at != std::string::npos;
       at = curves.find("<polyline", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 4u);
  // Loss panel spans 0..1.2: the first train point (1.0) sits at 40 + 200 - 200 * 1/1.2.
  EXPECT_NE(curves.find("points=\"40.0,73.3"), std::string::npos) << curves;

  Report odd = r;
  odd.class_names = {"a<b", "c&d"};
  const std::string heat = confusion_svg(odd.metrics, odd.class_names);
  EXPECT_NE(heat.find("a&lt;b"), std::string::npos);
  EXPECT_NE(heat.find("c&amp;d"), std::string::npos);
  // Row punch = (1, 0): full-colour cell rgb(33,101,180) with white text.
  EXPECT_NE(heat.find("rgb(33,101,180)"), std::string::npos) << heat;
  EXPECT_THROW(training_curves_svg({}), Error);
  EXPECT_THROW(confusion_svg(Metrics{}, {}), Error);
}

TEST(Report, RunLogAppendsOneJsonLinePerRun) {
  const std::string path = ::testing::TempDir() + "runlog_" + std::to_string(getpid()) + ".jsonl";
  std::remove(path.c_str());
  append_run_log(path, "fold0", R"({"epochs": 600})", R"({"accuracy": 0.95})");
  append_run_log(path, "fold1", R"({"epochs": 600})", R"({"accuracy": 0.9})");
  std::ifstream in(path);
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["run"], "fold1");
  EXPECT_EQ(lines[0]["parameters"]["epochs"], 600);
  EXPECT_EQ(lines[1]["time"].get<std::string>().size(), 20u);  // 2026-01-01T00:00:00Z
  EXPECT_THROW(append_run_log(path, "bad", "[1, 2]", "{}"), Error);
  EXPECT_THROW(append_run_log(path, "bad", "{}", "not json"), Error);
  EXPECT_THROW(append_run_log("/nonexistent-dir/x.jsonl", "r", "{}", "{}"), Error);
  std::remove(path.c_str());
}

TEST(Report, WriteTextFileNamesThePathOnFailure) {
  try {
    write_text_file("/nonexistent-dir/report.md", "x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/report.md"), std::string::npos);
  }
}

}  // namespace
}  // namespace edge::eval
