// Graph definitions: one plain-text (TOML) file per application with named segments.
//
// File format (pipelines/<app>/graph.toml):
//   [app]           name, description, and free facts (labels, rate, ...) kept as text
//   [placeholders]  name = { default = "...", help = "...", kind = "text|file|directory|device" }
//   [segments]      preprocess = "edgewindow ... ! edgenormalize ..."  (and helper segments)
//   [modes]         dataset = "edgedatasetsrc location=${dataset} ! ${preprocess} ! ..."
// A segment is gst-launch-1.0 text. `${name}` is a placeholder or, when `name` is a segment,
// that segment's resolved text. A word that is only `${segment}` splices the segment's words
// into the graph; `${x}` inside a word (e.g. `location=${out}`, `preprocess=${preprocess}`)
// substitutes the value into that one word, spaces and all. `${app_dir}` is the folder of the
// definition file, `${app}` its name; `${preprocess_sha256}` and `${parameters}` (JSON: app,
// preprocess_sha256, values of the placeholders the preprocess segment uses; compact, blanks
// inside strings written \u0020 so gst-launch keeps it one value) exist in modes
// that use ${preprocess}. Modes use segments; segments use segments; modes do not nest.
//
// Canonical preprocess: the text models and manifests record and the hash covers must be the
// same on the machine that made the dataset and on the device, so it holds no machine-local
// path whose content is recorded on its own. A placeholder of kind `statistics` (a JSON file
// of normalization statistics, e.g. sound's stats-file=${stats}) stays `${name}` in the
// canonical text: the statistics' content travels (and is hashed) as the statistics entry of
// the manifest and the model. A placeholder of kind `file` (a model the preprocessing runs,
// e.g. micro-speech's front end or sound-transfer's backbone) becomes `sha256:` and the hex
// digest of the file's content, so the installed copy of a file matches the one a model was
// trained with, and another file does not. The pipeline that runs gets the real path;
// `${preprocess}` inside a word (a property value such as `preprocess=${preprocess}`) is the
// canonical text.
//
// Resolution produces gst-launch-1.0 arguments, one word each (element, property=value, "!"),
// exactly the argv that gst_parse_launchv() and the gst-launch-1.0 program take, so the printed
// line (shell-quoted words) and the in-process run build the same pipeline.
//
// Thread safety: plain values; every function is reentrant.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace edge::graph {

// kStatistics: a normalization statistics file (JSON); written by one mode (stats), read by
// the others, so its existence is not checked; kept as ${name} in the canonical preprocess.
enum class ValueKind { kText, kFile, kDirectory, kDevice, kStatistics };

struct Placeholder {
  std::string name;
  bool has_default = false;
  std::string default_value;
  std::string help;
  ValueKind kind = ValueKind::kText;
};

struct GraphDefinition {
  std::string origin;     // file path (or label) for messages
  std::string directory;  // value of ${app_dir}
  std::string name;       // [app] name
  std::string description;
  std::vector<std::pair<std::string, std::string>> facts;  // other [app] keys, as text
  std::vector<Placeholder> placeholders;                   // in file order
  // [segments] then [modes], name and template, in file order.
  std::vector<std::pair<std::string, std::string>> segments;
  std::vector<std::string> mode_names;  // the [modes] keys, in file order

  bool is_mode(const std::string& name) const;
  // A [segments] entry: what ${name} refers to before placeholders (modes have their own
  // names, so a mode and a placeholder may share one, e.g. dataset).
  bool is_segment(const std::string& name) const;
  const Placeholder* placeholder(const std::string& name) const;
  const std::string* segment(const std::string& name) const;
};

// Parses definition text; throws edge::Error naming `origin` (and the line for TOML syntax
// errors) on a missing [app] name or [segments] table, a segment that is not a string, a
// placeholder used but not declared, a segment that includes itself, or a bad kind.
GraphDefinition parse_definition(const std::string& text, const std::string& origin,
                                 const std::string& directory);
// Reads and parses a file; ${app_dir} is its folder.
GraphDefinition load_definition(const std::string& path);

struct ResolvedGraph {
  std::vector<std::string> argv;  // gst-launch-1.0 arguments (without the program name)
  // The preprocess segment with placeholders resolved (except those of kind statistics,
  // which stay ${name}), words joined by single spaces: the canonical text recorded in
  // manifests and models, and hashed.
  std::string preprocess;
  std::string preprocess_sha256;  // lower-case hex SHA-256 of `preprocess`
  // Placeholder values the preprocess segment uses (its parameters), by name.
  std::map<std::string, std::string> preprocess_parameters;
  // Every placeholder value the mode used, by name (defaults included).
  std::map<std::string, std::string> values;
};

// Resolves `mode` with `values` (key -> value from the command line). Throws edge::Error:
// unknown mode (lists the modes), a key that is not a placeholder (lists the known ones), a
// placeholder the mode needs without value or default (names it, its help, app and mode), a
// property value the element's declared parameters refuse (graph/element_params.h: names the
// placeholders, element, property and what is allowed; a bad literal names its segment). An
// empty property value is left to the caller: gst-launch-1.0 would take the next word as it.
ResolvedGraph resolve(const GraphDefinition& definition, const std::string& mode,
                      const std::map<std::string, std::string>& values);

// Checks a value against its kind: file/directory must exist as such, device must be an
// existing character device (text and statistics are not checked). Throws edge::Error naming the
// placeholder and the path.
void check_value(const Placeholder& placeholder, const std::string& value);

// Splits segment text into words at blanks; '...' and "..." group (quotes removed), a
// backslash escapes the next character. Throws on an unterminated quote, naming `origin`.
std::vector<std::string> split_words(const std::string& text, const std::string& origin);

// "key=value" -> (key, value); throws naming the text when there is no '=' or no key.
std::pair<std::string, std::string> parse_assignment(const std::string& text);

// A word as the shell reads it back unchanged: bare when it has only safe characters,
// otherwise single-quoted ('\'' for a quote inside).
std::string shell_quote(const std::string& word);
// "gst-launch-1.0 " + shell-quoted words.
std::string launch_line(const std::vector<std::string>& argv);

}  // namespace edge::graph
