#include "graph/profile.h"

#include <toml++/toml.h>

#include <map>
#include <set>

#include "common/error.h"
#include "nn/parity.h"

namespace edge::graph {
namespace {

// Known keys per table.
const std::map<std::string, std::set<std::string>>& known_keys() {
  static const std::map<std::string, std::set<std::string>> keys = {
      {"board", {"name", "description", "arch"}},
      {"audio", {"source", "device"}},
      {"serial", {"device", "baud"}},
      {"inference", {"threads", "kernels"}},
      {"clock", {"governor", "cores", "notes"}},
  };
  return keys;
}

std::string text_of(const toml::node& node, const std::string& where) {
  auto value = node.value<std::string>();
  if (!value) throw Error(msg(where, " must be a text"));
  return *value;
}

int int_of(const toml::node& node, const std::string& where, int min, int max) {
  auto value = node.value<int64_t>();
  if (!value || *value < min || *value > max)
    throw Error(msg(where, " must be an integer in [", min, ", ", max, "]"));
  return static_cast<int>(*value);
}

}  // namespace

Profile parse_profile(const std::string& text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& err) {
    throw Error(msg(origin, ":", err.source().begin.line, ":", err.source().begin.column,
                    ": not valid TOML: ", err.description()));
  }
  Profile p;
  for (const auto& [table_key, table_node] : root) {
    const std::string table(table_key.str());
    auto known = known_keys().find(table);
    if (known == known_keys().end())
      throw Error(msg(origin, ": unknown table [", table,
                      "] (known: board, audio, serial, inference, clock)"));
    const toml::table* t = table_node.as_table();
    if (!t) throw Error(msg(origin, ": ", table, " must be a table"));
    for (const auto& [key_name, node] : *t) {
      const std::string key(key_name.str());
      const std::string where = origin + ": " + table + "." + key;
      if (!known->second.count(key)) {
        std::string list;
        for (const auto& k : known->second) list += (list.empty() ? "" : ", ") + k;
        throw Error(msg(where, " is not a known key (known in [", table, "]: ", list, ")"));
      }
      if (table == "board") {
        (key == "name"          ? p.name
         : key == "description" ? p.description
                                : p.arch) = text_of(node, where);
      } else if (table == "audio") {
        (key == "source" ? p.audio_source : p.audio_device) = text_of(node, where);
      } else if (table == "serial") {
        if (key == "device")
          p.serial_device = text_of(node, where);
        else
          p.baud = int_of(node, where, 1, 4000000);
      } else if (table == "inference") {
        if (key == "threads") {
          p.threads = int_of(node, where, 1, 64);
        } else {
          p.kernels = text_of(node, where);
          if (p.kernels != "fast" && p.kernels != "ref")
            throw Error(msg(where, " is \"", p.kernels, "\"; expected \"fast\" or \"ref\""));
        }
      } else if (table == "clock") {
        if (key == "governor")
          p.governor = text_of(node, where);
        else if (key == "cores")
          p.cores = int_of(node, where, 1, 1024);
        else
          p.clock_notes = text_of(node, where);
      }
    }
  }
  if (p.name.empty()) throw Error(msg(origin, ": [board] name is missing"));
  if (p.audio_source.empty()) throw Error(msg(origin, ": audio.source is empty"));
  return p;
}

Profile load_profile(const std::string& path) {
  return parse_profile(nn::read_text_file(path, "profile"), path);
}

}  // namespace edge::graph
