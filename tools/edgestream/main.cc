// edgestream: graph definitions to gst-launch lines, dataset runs, shard merging.
#include <gst/gst.h>

#include <cstdio>
#include <exception>

#include "tools/edgestream/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "edgestream: from raw recordings to edge devices, one graph definition per "
      "application (pipelines/<app>/graph.toml)"};
  app.require_subcommand(1);
  // One line per subcommand, in the order `edgestream --help` lists them.
  edge::cli::add_launch_command(app);
  edge::cli::add_dataset_command(app);
  edge::cli::add_merge_command(app);
  edge::cli::add_train_command(app);
  edge::cli::add_optimize_command(app);
  edge::cli::add_eval_command(app);
  edge::cli::add_export_command(app);
  edge::cli::add_classify_command(app);
  edge::cli::add_demo_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    return app.exit(err);
  } catch (const std::exception& err) {
    std::fprintf(stderr, "edgestream: %s\n", err.what());
    return 1;
  }
  return 0;
}
