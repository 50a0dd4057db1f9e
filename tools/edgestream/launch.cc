// edgestream launch APP MODE key=value... [--run]: the gst-launch-1.0 line of a mode.
#include <cstdio>
#include <memory>

#include "tools/edgestream/commands.h"

namespace edge::cli {

void add_launch_command(CLI::App& app) {
  struct Options {
    std::string application, mode;
    std::vector<std::string> assignments;
    bool run = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "launch", "Print the gst-launch-1.0 line of an application's mode (or run it with --run)");
  cmd->add_option("app", options->application, "application name or path to a graph.toml")
      ->required();
  cmd->add_option("mode", options->mode, "mode: dataset, export, realtime, ...")->required();
  cmd->add_option("values", options->assignments, "placeholder values, key=value");
  cmd->add_flag("--run", options->run, "run the pipeline in this process instead of printing it");
  cmd->callback([options] {
    const graph::GraphDefinition def = find_application(options->application);
    const graph::ResolvedGraph resolved =
        resolve_checked(def, options->mode, parse_assignments(options->assignments));
    if (!options->run) {
      std::printf("%s\n", graph::launch_line(resolved.argv).c_str());
      return;
    }
    run_pipeline(resolved.argv);
  });
}

}  // namespace edge::cli
