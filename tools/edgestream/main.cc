// edgestream: graph definitions to gst-launch lines, dataset runs, shard merging.
#include <gst/gst.h>

#include <cstdio>
#include <exception>

#include "io/regular_file.h"
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
  edge::cli::add_backbone_command(app);
  edge::cli::add_classify_command(app);
  edge::cli::add_demo_command(app);
  // CLI11 reports a missing subcommand before an unexpected word, so `edgestream bogus`
  // would only say "A subcommand is required": name the word and the subcommands instead.
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      found = found || sub->check_name(argv[1]);
      known += (known.empty() ? "" : ", ") + sub->get_name();
    }
    if (!found) {
      std::fprintf(stderr, "edgestream: unknown subcommand '%s'; the subcommands are: %s\n",
                   edge::io::printable(argv[1]).c_str(), known.c_str());
      return static_cast<int>(CLI::ExitCodes::ExtrasError);
    }
  }
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
