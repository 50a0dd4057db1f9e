// libFuzzer target: graph definitions (pipelines/<app>/graph.toml) and board profiles
// (edge/profiles/<board>.toml), the TOML files the command line reads. The first byte picks
// profile (odd) or graph (even). Every mode of a definition that parses is resolved with a
// value for each placeholder without a default, then printed as a gst-launch-1.0 line.
// Invariants: only edge::Error escapes (toml++ syntax errors included); a resolved
// preprocess has a 64-digit hex SHA-256; every printed line starts with "gst-launch-1.0".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "common/error.h"
#include "graph/graph.h"
#include "graph/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    try {
      (void)edge::graph::parse_profile(text, "fuzz.toml");
    } catch (const edge::Error&) {
    }
    return 0;
  }
  edge::graph::GraphDefinition def;
  try {
    def = edge::graph::parse_definition(text, "fuzz.toml", "/app");
  } catch (const edge::Error&) {
    return 0;
  }
  for (const std::string& mode : def.mode_names) {
    std::map<std::string, std::string> values;
    for (const auto& p : def.placeholders)
      if (!p.has_default) values[p.name] = "/value/" + p.name;
    try {
      const edge::graph::ResolvedGraph r = edge::graph::resolve(def, mode, values);
      if (!r.preprocess.empty() && r.preprocess_sha256.size() != 64) std::abort();
      if (edge::graph::launch_line(r.argv).compare(0, 14, "gst-launch-1.0") != 0) std::abort();
    } catch (const edge::Error&) {
    }
  }
  return 0;
}
