#include "post/label_record.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace edge::post {

namespace {
nlohmann::json optional_number(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}
}  // namespace

std::string format_label_record(const LabelRecord& record) {
  const bool silent = record.gate == "silence";
  if (!silent && (!record.decision || record.decision->top.empty()))
    throw Error("a label record needs a decision with at least one class");
  if (!record.gate.empty() && record.gate != "silence" && record.gate != "background")
    throw Error(msg("unknown gate \"", record.gate, "\" in a label record"));
  static const Decision kNone;
  const Decision& d = record.decision ? *record.decision : kNone;
  const bool has_class = !d.top.empty();
  nlohmann::ordered_json line;
  line["pts"] = optional_number(record.pts_s);
  line["duration"] = optional_number(record.duration_s);
  if (!record.clip_id.empty()) line["clip"] = record.clip_id;
  if (record.window_index >= 0) line["window"] = record.window_index;
  if (!record.truth.empty()) line["truth"] = record.truth;
  line["label"] = d.accepted && !silent ? nlohmann::json(d.top[0].label) : nlohmann::json(nullptr);
  line["score"] = has_class ? nlohmann::json(d.top[0].score) : nlohmann::json(nullptr);
  nlohmann::ordered_json top = nlohmann::ordered_json::array();
  for (const RankedClass& c : d.top)
    top.push_back({{"label", c.label}, {"index", c.index}, {"score", c.score}});
  line["top"] = top;
  if (!record.gate.empty()) line["gate"] = record.gate;
  if (record.level_db) line["level_db"] = *record.level_db;
  line["latency_ms"] = {{"invoke", optional_number(record.invoke_ms)},
                        {"pipeline", optional_number(record.pipeline_ms)}};
  if (!record.model.empty()) line["model"] = record.model;
  // Labels come from files and models: invalid UTF-8 is replaced rather than thrown on.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace edge::post
