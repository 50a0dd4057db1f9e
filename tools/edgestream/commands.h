// The `edgestream` subcommands: one file each, each adding itself to the CLI11 app.
// A command's callback throws edge::Error for a person to read; main() prints it and exits 1.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace edge::cli {

void add_launch_command(CLI::App& app);
void add_dataset_command(CLI::App& app);
void add_merge_command(CLI::App& app);
void add_classify_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_optimize_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_backbone_command(CLI::App& app);

// Finds an application: a path to a definition file (has a '/' or ends in .toml), or a name
// under $EDGE_PIPELINES_DIR, <exe>/../share/edgestream/pipelines, or the source tree's
// pipelines/. An unknown name is an error listing the applications found.
graph::GraphDefinition find_application(const std::string& name_or_path);

// Folders that may hold installed data, in search order: $`env`, <exe>/../share/edgestream/
// `installed`, then the source tree's pipelines/ folder followed by `source_relative` (e.g.
// "/../edge/profiles"; "" for pipelines/ itself). Missing folders are not filtered out.
std::vector<std::string> data_dirs(const char* env, const std::string& installed,
                                   const std::string& source_relative);

// The applications (sub-folders with a graph.toml) of a pipelines folder, sorted; none when
// the folder cannot be read.
std::vector<std::string> applications_in(const std::string& dir);

// "key=value" words into a map; a repeated key, a word without '=' or an empty value
// ("out=": leave the key out to get its default) is an error.
std::map<std::string, std::string> parse_assignments(const std::vector<std::string>& words);

// "a, b, c": a list for messages.
std::string join(const std::vector<std::string>& items);

// Resolves a mode and checks the values of kind file/directory/device it uses, and that no
// property of the resolved pipeline is left empty (gst-launch would take the next word as its
// value).
graph::ResolvedGraph resolve_checked(const graph::GraphDefinition& definition,
                                     const std::string& mode,
                                     const std::map<std::string, std::string>& values);

// Progress of a running pipeline, read from its edgedatasetsrc (0, 0 when it has none).
struct PipelineProgress {
  unsigned long long clips_emitted = 0, clips_total = 0;
};

// What a pipeline did, read when it ended.
struct PipelineSummary {
  unsigned long long warnings = 0;  // bus warnings (printed to stderr as they came)
  long long results = -1;           // windows classified by its edgelabelsink (-1: none)
};

// Runs gst-launch arguments in-process until EOS. `on_poll` (may be empty) is called about
// every 200 ms with the current progress. Warnings from elements are printed to stderr
// ("edgestream: warning: ELEMENT: ..."; the first 20, then a count). Under a StopOnSignals
// (stop_signals.h) SIGINT and SIGTERM end it with EOS and a normal return. Throws edge::Error
// with the element's message on a parse or streaming error. Thread-safe (one pipeline per call).
PipelineSummary run_pipeline(const std::vector<std::string>& argv,
                             const std::function<void(const PipelineProgress&)>& on_poll = {});

}  // namespace edge::cli
