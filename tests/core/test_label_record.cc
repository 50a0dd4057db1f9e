#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "post/label_record.h"

namespace edge::post {
namespace {

TEST(LabelRecord, FullRecordHasEveryField) {
  LabelSmoother s(1, 0.5f, 2);
  const Decision& d = s.push({0.1f, 0.9f}, {"flex", "punch"});
  LabelRecord r;
  r.pts_s = 1.5;
  r.duration_s = 0.3;
  r.clip_id = "punch.csv#3";
  r.window_index = 0;
  r.truth = "punch";
  r.decision = &d;
  r.invoke_ms = 0.002;
  r.pipeline_ms = 0.4;
  r.model = "remote";
  const std::string line = format_label_record(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto j = nlohmann::json::parse(line);
  EXPECT_DOUBLE_EQ(j["pts"].get<double>(), 1.5);
  EXPECT_EQ(j["clip"], "punch.csv#3");
  EXPECT_EQ(j["window"], 0);
  EXPECT_EQ(j["truth"], "punch");
  EXPECT_EQ(j["label"], "punch");
  EXPECT_NEAR(j["score"].get<double>(), 0.9, 1e-6);
  ASSERT_EQ(j["top"].size(), 2u);
  EXPECT_EQ(j["top"][1]["label"], "flex");
  EXPECT_EQ(j["top"][1]["index"], 0);
  EXPECT_DOUBLE_EQ(j["latency_ms"]["pipeline"].get<double>(), 0.4);
  EXPECT_EQ(j["model"], "remote");
  // Field order is stable for people reading the stream.
  EXPECT_EQ(line.rfind("{\"pts\":1.5,\"duration\":0.3,\"clip\":", 0), 0u) << line;
}

TEST(LabelRecord, BelowThresholdHasNullLabelAndUnknownsAreNull) {
  LabelSmoother s(1, 0.95f, 1);
  const Decision& d = s.push({0.4f, 0.6f}, {"flex", "punch"});
  LabelRecord r;
  r.decision = &d;
  auto j = nlohmann::json::parse(format_label_record(r));
  EXPECT_TRUE(j["label"].is_null());
  EXPECT_EQ(j["top"][0]["label"], "punch");
  EXPECT_TRUE(j["pts"].is_null());
  EXPECT_TRUE(j["latency_ms"]["invoke"].is_null());
  EXPECT_FALSE(j.contains("clip"));
  EXPECT_FALSE(j.contains("window"));
  EXPECT_FALSE(j.contains("truth"));
  EXPECT_FALSE(j.contains("model"));
}

TEST(LabelRecord, InvalidUtf8LabelIsReplacedNotThrown) {
  LabelSmoother s(1, 0.0f, 1);
  const Decision& d = s.push({1.0f}, {std::string("caf\xe9")});
  LabelRecord r;
  r.decision = &d;
  auto j = nlohmann::json::parse(format_label_record(r));
  EXPECT_EQ(j["label"].get<std::string>(), "caf\xef\xbf\xbd");
}

TEST(LabelRecord, NeedsADecision) {
  LabelRecord r;
  EXPECT_THROW(format_label_record(r), Error);
  r.gate = "background";  // background is a decision about a class: it needs one
  EXPECT_THROW(format_label_record(r), Error);
}

TEST(LabelRecord, BackgroundGateNamesTheLeadingClassButNoLabel) {
  LabelSmoother s(1, 0.5f, 2);
  s.set_background({"background"});
  const Decision& d = s.push({0.9f, 0.1f}, {"background", "siren"});
  LabelRecord r;
  r.decision = &d;
  r.gate = "background";
  auto j = nlohmann::json::parse(format_label_record(r));
  EXPECT_TRUE(j["label"].is_null());
  EXPECT_EQ(j["top"][0]["label"], "background");
  EXPECT_EQ(j["gate"], "background");
  EXPECT_FALSE(j.contains("level_db"));
}

TEST(LabelRecord, SilenceGateHasNoClassesAndTheLevel) {
  LabelRecord r;
  r.pts_s = 2.0;
  r.duration_s = 1.0;
  r.gate = "silence";
  r.level_db = -71.5;
  const std::string line = format_label_record(r);
  auto j = nlohmann::json::parse(line);
  EXPECT_TRUE(j["label"].is_null());
  EXPECT_TRUE(j["score"].is_null());
  EXPECT_EQ(j["top"].size(), 0u);
  EXPECT_EQ(j["gate"], "silence");
  EXPECT_DOUBLE_EQ(j["level_db"].get<double>(), -71.5);
  EXPECT_NE(line.find("\"top\":[],\"gate\":\"silence\",\"level_db\":-71.5,\"latency_ms\""),
            std::string::npos)
      << line;
}

TEST(LabelRecord, RefusesAnUnknownGate) {
  LabelSmoother s(1, 0.0f, 1);
  LabelRecord r;
  r.decision = &s.push({1.0f}, {"a"});
  r.gate = "quiet";
  EXPECT_THROW(format_label_record(r), Error);
}

}  // namespace
}  // namespace edge::post
