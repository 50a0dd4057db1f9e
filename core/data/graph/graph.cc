#include "graph/graph.h"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/sha256.h"
#include "graph/element_params.h"
#include "io/regular_file.h"
#include "params/params.h"

namespace edge::graph {
namespace {

constexpr const char* kAppDir = "app_dir";

// Names every definition has: app_dir (the definition's folder), app (its name),
// preprocess_sha256 and parameters (JSON: app, hash, preprocess placeholder values).
bool is_builtin(const std::string& name) {
  return name == kAppDir || name == "app" || name == "preprocess_sha256" || name == "parameters";
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Calls `on_reference(name)` for every ${name} in `text`; throws on "${" without a valid
// name and closing brace.
void for_each_reference(const std::string& text, const std::string& where,
                        const std::function<void(const std::string&)>& on_reference) {
  for (size_t at = text.find("${"); at != std::string::npos; at = text.find("${", at + 2)) {
    size_t end = at + 2;
    while (end < text.size() && is_name_char(text[end])) ++end;
    if (end == at + 2 || end >= text.size() || text[end] != '}')
      throw Error(msg(where, ": '${' at offset ", at,
                      " does not start a placeholder (expected ${name} with letters, digits, _ "
                      "or -)"));
    on_reference(text.substr(at + 2, end - at - 2));
  }
}

// Replaces every ${name} in `text` by lookup(name).
std::string substitute(const std::string& text, const std::string& where,
                       const std::function<std::string(const std::string&)>& lookup) {
  std::string out;
  size_t copied = 0;
  for (size_t at = text.find("${"); at != std::string::npos; at = text.find("${", copied)) {
    size_t end = at + 2;
    while (end < text.size() && is_name_char(text[end])) ++end;
    if (end == at + 2 || end >= text.size() || text[end] != '}')
      throw Error(msg(where, ": '${' at offset ", at, " does not start a placeholder"));
    out.append(text, copied, at - copied);
    out += lookup(text.substr(at + 2, end - at - 2));
    copied = end + 1;
  }
  out.append(text, copied, std::string::npos);
  return out;
}

std::string join(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += separator;
    out += words[i];
  }
  return out;
}

std::string known_list(const std::vector<std::string>& names) {
  return names.empty() ? std::string("(none)") : join(names, ", ");
}

bool parse_kind(const std::string& text, ValueKind* kind) {
  if (text == "text")
    *kind = ValueKind::kText;
  else if (text == "file")
    *kind = ValueKind::kFile;
  else if (text == "directory")
    *kind = ValueKind::kDirectory;
  else if (text == "device")
    *kind = ValueKind::kDevice;
  else if (text == "statistics")
    *kind = ValueKind::kStatistics;
  else
    return false;
  return true;
}

std::string node_text(const toml::node& node) {
  if (auto s = node.value<std::string>()) return *s;
  std::ostringstream out;
  if (auto* array = node.as_array()) {
    out << toml::json_formatter(*array);
  } else if (auto* table = node.as_table()) {
    out << toml::json_formatter(*table);
  } else {
    node.visit([&out](auto&& value) {
      if constexpr (toml::is_number<decltype(value)> || toml::is_boolean<decltype(value)>)
        out << value;
    });
  }
  return out.str();
}

// toml++ iterates tables sorted by key; definitions keep the order they were written in
// (messages list modes and placeholders as the author ordered them).
struct Entry {
  std::string_view key;
  const toml::node* node;
};
std::vector<Entry> in_file_order(const toml::table& t) {
  std::vector<Entry> items;
  for (const auto& [key, node] : t) items.push_back({key.str(), &node});
  std::stable_sort(items.begin(), items.end(), [](const Entry& a, const Entry& b) {
    const auto& pa = a.node->source().begin;
    const auto& pb = b.node->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  return items;
}

// "key=value" as gst-launch-1.0 reads a property: the length of key, else npos (an element,
// a caps string such as audio/x-raw,rate=16000, a link "!" or a pad reference).
size_t property_key_length(const std::string& word) {
  const size_t eq = word.find('=');
  if (eq == std::string::npos || eq == 0 || !std::isalpha(static_cast<unsigned char>(word[0])))
    return std::string::npos;
  for (size_t i = 1; i < eq; ++i)
    if (!is_name_char(word[i])) return std::string::npos;
  return eq;
}

// Follows the words of one segment: the element a property word belongs to, and that
// property's value checked against the element's declared parameters (graph/element_params.h).
// Elements without a table and properties they do not declare (name, sync, ...) are left to
// GStreamer.
class PropertyCheck {
 public:
  PropertyCheck(const GraphDefinition& def, const std::string& mode, const std::string& segment)
      : def_(def), mode_(mode), segment_(segment) {}

  // A word that spliced another segment's words in: no element is current.
  void spliced() { table_ = nullptr; }

  // `written` as in the definition (with its ${...}), `resolved` substituted; `values` holds
  // the placeholder values used so far. Throws edge::Error naming the placeholder(s), the
  // element, the property and what is allowed.
  void word(const std::string& written, const std::string& resolved,
            const std::map<std::string, std::string>& values) {
    const size_t key = property_key_length(resolved);
    if (key == std::string::npos) {
      table_ = resolved == "!" ? nullptr : element_params(resolved);
      return;
    }
    if (!table_) return;
    const params::Param* p = table_->find(resolved.substr(0, key));
    if (!p || !p->writable()) return;
    const std::string value = resolved.substr(key + 1);
    // An empty value is a different fault: gst-launch-1.0 would read the next word as the
    // value. The command line refuses those for every element (tools/edgestream/common.cc).
    if (value.empty()) return;
    const std::string why = params::parse(*p, value, nullptr);
    if (why.empty()) return;
    const std::string what = msg(table_->element, " ", p->name, "=\"", value, "\": ", why,
                                 "; allowed: ", params::allowed(*p));
    std::string given;
    size_t count = 0;
    for_each_reference(written, def_.origin, [&](const std::string& name) {
      auto v = values.find(name);
      if (!def_.placeholder(name) || v == values.end()) return;
      given += msg(count++ ? ", " : "", name, "=\"", v->second, "\"");
    });
    if (count == 0) throw Error(msg(def_.origin, ": segment ", segment_, ": ", what));
    throw Error(msg(def_.name, " ", mode_, ": placeholder", count > 1 ? "s " : " ", given,
                    " gives ", what));
  }

 private:
  const GraphDefinition& def_;
  const std::string& mode_;
  const std::string& segment_;
  const params::Table* table_ = nullptr;
};

}  // namespace

bool GraphDefinition::is_segment(const std::string& name) const {
  return segment(name) && !is_mode(name);
}

bool GraphDefinition::is_mode(const std::string& name) const {
  return std::find(mode_names.begin(), mode_names.end(), name) != mode_names.end();
}

const Placeholder* GraphDefinition::placeholder(const std::string& wanted) const {
  for (const auto& p : placeholders)
    if (p.name == wanted) return &p;
  return nullptr;
}

const std::string* GraphDefinition::segment(const std::string& wanted) const {
  for (const auto& s : segments)
    if (s.first == wanted) return &s.second;
  return nullptr;
}

GraphDefinition parse_definition(const std::string& text, const std::string& origin,
                                 const std::string& directory) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& err) {
    throw Error(msg(origin, ":", err.source().begin.line, ":", err.source().begin.column,
                    ": not valid TOML: ", err.description()));
  }
  GraphDefinition def;
  def.origin = origin;
  def.directory = directory;

  const toml::table* app = root["app"].as_table();
  if (!app) throw Error(msg(origin, ": no [app] table (it needs at least name = \"...\")"));
  for (const Entry& entry : in_file_order(*app)) {
    const toml::node& node = *entry.node;
    const std::string_view key = entry.key;
    const std::string k(key);
    if (k == "name") {
      auto name = node.value<std::string>();
      if (!name || name->empty()) throw Error(msg(origin, ": [app] name must be a text"));
      def.name = *name;
    } else if (k == "description") {
      def.description = node_text(node);
    } else {
      def.facts.emplace_back(k, node_text(node));
    }
  }
  if (def.name.empty()) throw Error(msg(origin, ": [app] has no name"));

  if (const toml::node* node = root.get("placeholders")) {
    const toml::table* table = node->as_table();
    if (!table) throw Error(msg(origin, ": [placeholders] must be a table"));
    for (const Entry& entry : in_file_order(*table)) {
      const toml::node& value = *entry.node;
      const std::string_view key = entry.key;
      Placeholder p;
      p.name = std::string(key);
      if (is_builtin(p.name)) throw Error(msg(origin, ": placeholder ", p.name, " is built in"));
      if (auto text = value.value<std::string>()) {
        p.has_default = true;
        p.default_value = *text;
      } else if (const toml::table* spec = value.as_table()) {
        for (const auto& [field, field_value] : *spec) {
          const std::string f(field.str());
          auto field_text = field_value.value<std::string>();
          if (!field_text)
            throw Error(msg(origin, ": placeholder ", p.name, ": ", f, " must be a text"));
          if (f == "default") {
            p.has_default = true;
            p.default_value = *field_text;
          } else if (f == "help") {
            p.help = *field_text;
          } else if (f == "kind") {
            if (!parse_kind(*field_text, &p.kind))
              throw Error(msg(origin, ": placeholder ", p.name, ": kind '", *field_text,
                              "' is not one of text, file, directory, device, statistics"));
          } else {
            throw Error(msg(origin, ": placeholder ", p.name, ": unknown field '", f,
                            "' (known: default, help, kind)"));
          }
        }
      } else {
        throw Error(msg(origin, ": placeholder ", p.name,
                        " must be a text (its default) or a table { default, help, kind }"));
      }
      if (p.has_default)
        for_each_reference(p.default_value, origin + ": default of " + p.name,
                           [&](const std::string& ref) {
                             if (ref != kAppDir)
                               throw Error(msg(origin, ": default of ", p.name,
                                               " may only use ${app_dir}, found ${", ref, "}"));
                           });
      def.placeholders.push_back(p);
    }
  }

  for (const char* table_name : {"segments", "modes"}) {
    const toml::table* table = root[table_name].as_table();
    if (!table || table->empty())
      throw Error(msg(origin, ": no [", table_name, "] table (", table_name,
                      std::string(table_name) == "modes" ? " holds one graph per mode)"
                                                         : " holds at least preprocess)"));
    for (const Entry& entry : in_file_order(*table)) {
      const toml::node& value = *entry.node;
      const std::string_view key = entry.key;
      auto text = value.value<std::string>();
      const std::string name(key);
      if (!text) throw Error(msg(origin, ": ", table_name, ".", name, " must be a text (a graph)"));
      if (def.segment(name))
        throw Error(msg(origin, ": ", name, " is defined twice (segments and modes)"));
      def.segments.emplace_back(name, *text);
      if (std::string(table_name) == "modes") def.mode_names.push_back(name);
    }
  }
  if (!def.segment("preprocess") || def.is_mode("preprocess"))
    throw Error(msg(origin, ": [segments] has no preprocess"));
  for (const auto& [segment_name, text] : def.segments) {
    const std::string& name = segment_name;  // a lambda below uses it: C++17 lambdas cannot
                                             // capture structured bindings (clang refuses)
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char))
      throw Error(msg(origin, ": segment name '", name, "' must use letters, digits, _ or -"));
    if (!def.is_mode(name) && def.placeholder(name))
      throw Error(msg(origin, ": ", name, " is both a segment and a placeholder"));
    split_words(text, origin + ": segment " + name);
    for_each_reference(text, origin + ": segment " + name, [&](const std::string& ref) {
      if (def.is_mode(ref) && !def.placeholder(ref))
        throw Error(msg(origin, ": ", name, " uses ${", ref, "}, a mode; modes cannot be nested"));
      if (!is_builtin(ref) && !def.is_segment(ref) && !def.placeholder(ref))
        throw Error(msg(origin, ": segment ", name, " uses ${", ref,
                        "}, which is neither a segment nor a declared placeholder"));
    });
  }
  // A segment that includes itself, directly or through others, never resolves.
  std::function<void(const std::string&, std::vector<std::string>&)> visit =
      [&](const std::string& name, std::vector<std::string>& path) {
        for (const auto& on_path : path)
          if (on_path == name)
            throw Error(msg(origin, ": segments include each other in a cycle: ",
                            join(path, " -> "), " -> ", name));
        path.push_back(name);
        for_each_reference(*def.segment(name), origin, [&](const std::string& ref) {
          if (def.is_segment(ref)) visit(ref, path);
        });
        path.pop_back();
      };
  for (const auto& segment : def.segments) {
    std::vector<std::string> path;
    visit(segment.first, path);
  }
  return def;
}

GraphDefinition load_definition(const std::string& path) {
  std::string text;
  try {
    text = io::read_regular_file(path, size_t(16) << 20);  // no FIFO, no endless device
  } catch (const Error& e) {
    throw Error(msg("cannot read graph definition ", e.what()));
  }
  const size_t slash = path.find_last_of('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash);
  return parse_definition(text, path, directory.empty() ? "/" : directory);
}

ResolvedGraph resolve(const GraphDefinition& def, const std::string& mode,
                      const std::map<std::string, std::string>& values) {
  if (!def.is_mode(mode))
    throw Error(msg("application ", def.name, " has no mode '", mode,
                    "'; its modes are: ", known_list(def.mode_names), " (", def.origin, ")"));
  std::vector<std::string> known;
  for (const auto& p : def.placeholders) known.push_back(p.name);
  for (const auto& [key, value] : values) {
    if (!def.placeholder(key))
      throw Error(msg("application ", def.name, " has no placeholder '", key,
                      "'; known: ", known_list(known)));
  }

  ResolvedGraph out;
  std::string parameters_json;
  const auto value_of = [&](const std::string& name,
                            std::map<std::string, std::string>* used) -> std::string {
    if (name == kAppDir) return def.directory;
    if (name == "app") return def.name;
    if (name == "preprocess_sha256" || name == "parameters") {
      if (out.preprocess_sha256.empty())
        throw Error(msg(def.origin, ": ${", name, "} needs the mode to use ${preprocess}"));
      return name == "parameters" ? parameters_json : out.preprocess_sha256;
    }
    const Placeholder* p = def.placeholder(name);
    std::string value;
    auto given = values.find(name);
    if (given != values.end()) {
      value = given->second;
    } else if (p->has_default) {
      value = substitute(p->default_value, def.origin,
                         [&](const std::string&) { return def.directory; });
    } else {
      throw Error(msg(def.name, " ", mode, ": placeholder ${", name, "} has no value; give ", name,
                      "=...", p->help.empty() ? "" : " (" + p->help + ")"));
    }
    out.values[name] = value;
    if (used) (*used)[name] = value;
    return value;
  };

  // `canonical`: placeholders of kind statistics stay ${name} (see graph.h).
  std::function<std::vector<std::string>(const std::string&, std::map<std::string, std::string>*,
                                         bool)>
      words_of = [&](const std::string& segment, std::map<std::string, std::string>* used,
                     bool canonical) {
        std::vector<std::string> words;
        const std::string where = def.origin + ": segment " + segment;
        PropertyCheck check(def, mode, segment);
        for (const std::string& word : split_words(*def.segment(segment), where)) {
          if (word.size() > 3 && word.compare(0, 2, "${") == 0 && word.back() == '}' &&
              def.is_segment(word.substr(2, word.size() - 3))) {
            auto inner = words_of(word.substr(2, word.size() - 3), used, canonical);
            words.insert(words.end(), inner.begin(), inner.end());
            check.spliced();
            continue;
          }
          words.push_back(substitute(word, where, [&](const std::string& name) {
            // A property value that records the preprocessing gets the canonical text.
            if (name == "preprocess" && !out.preprocess.empty()) return out.preprocess;
            if (def.is_segment(name)) return join(words_of(name, used, canonical), " ");
            const std::string value = value_of(name, used);
            const Placeholder* p = def.placeholder(name);
            if (canonical && p && p->kind == ValueKind::kStatistics) return "${" + name + "}";
            // A model file the preprocessing runs (a front end, a frozen backbone) is recorded
            // by its content: the same file anywhere gives the same text.
            if (canonical && p && p->kind == ValueKind::kFile)
              return "sha256:" + sha256_file(value);
            return value;
          }));
          // What runs is checked (the canonical text keeps ${stats} in place of a path).
          if (!canonical) check.word(word, words.back(), out.values);
        }
        return words;
      };

  // The preprocess text is only resolved when the mode uses it, so that a mode without it
  // does not need its placeholders.
  bool uses_preprocess = false;
  std::function<void(const std::string&)> scan = [&](const std::string& segment) {
    for_each_reference(*def.segment(segment), def.origin, [&](const std::string& ref) {
      if (ref == "preprocess")
        uses_preprocess = true;
      else if (def.is_segment(ref))
        scan(ref);
    });
  };
  scan(mode);
  if (uses_preprocess && def.segment("preprocess")) {
    out.preprocess = join(words_of("preprocess", &out.preprocess_parameters, true), " ");
    Sha256 hash;
    hash.update(out.preprocess.data(), out.preprocess.size());
    out.preprocess_sha256 = hash.hex_digest();
  }
  if (!out.preprocess_sha256.empty()) {
    nlohmann::ordered_json parameters;
    parameters["app"] = def.name;
    parameters["preprocess_sha256"] = out.preprocess_sha256;
    parameters["values"] = out.preprocess_parameters;
    // Compact JSON has blanks only inside strings; written as \u0020 they survive
    // gst-launch's argument escaping, which splits a value at a blank inside quotes.
    for (char c : parameters.dump()) {
      if (c == ' ')
        parameters_json += "\\u0020";
      else
        parameters_json += c;
    }
  }
  out.argv = words_of(mode, nullptr, false);
  return out;
}

void check_value(const Placeholder& p, const std::string& value) {
  if (p.kind == ValueKind::kText || p.kind == ValueKind::kStatistics) return;
  struct stat st;
  if (::stat(value.c_str(), &st) != 0)
    throw Error(msg(p.name, "=", value, ": ", std::strerror(errno),
                    p.kind == ValueKind::kDevice ? " (no such device; is it plugged in?)" : ""));
  if (p.kind == ValueKind::kFile && !S_ISREG(st.st_mode))
    throw Error(msg(p.name, "=", value, ": not a regular file"));
  if (p.kind == ValueKind::kDirectory && !S_ISDIR(st.st_mode))
    throw Error(msg(p.name, "=", value, ": not a directory"));
  if (p.kind == ValueKind::kDevice && !S_ISCHR(st.st_mode))
    throw Error(msg(p.name, "=", value,
                    ": not a character device (expected a serial port such as /dev/ttyACM0)"));
}

std::vector<std::string> split_words(const std::string& text, const std::string& origin) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) throw Error(msg(origin, ": text ends with a lone backslash"));
      word += text[++i];
      in_word = true;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) throw Error(msg(origin, ": unterminated ", quote, " quote"));
  if (in_word) words.push_back(word);
  return words;
}

std::pair<std::string, std::string> parse_assignment(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error(msg("'", text, "' is not key=value (e.g. out=/tmp/dataset)"));
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string shell_quote(const std::string& word) {
  static const char* kSafe =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%!";
  if (!word.empty() && word.find_first_not_of(kSafe) == std::string::npos) return word;
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string launch_line(const std::vector<std::string>& argv) {
  std::string line = "gst-launch-1.0";
  for (const auto& word : argv) line += " " + shell_quote(word);
  return line;
}

}  // namespace edge::graph
