// edgestream merge OUT DIR...: joins shard datasets (e.g. the --shard K/N runs) into one.
#include <cstdio>
#include <memory>

#include "graph/dataset_merge.h"
#include "tools/edgestream/commands.h"

namespace edge::cli {

void add_merge_command(CLI::App& app) {
  struct Options {
    std::string output;
    std::vector<std::string> inputs;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "merge", "Join datasets written as shards (--shard K/N runs) into one dataset");
  cmd->add_option("out", options->output, "new dataset folder")->required();
  cmd->add_option("datasets", options->inputs, "shard dataset folders, in order")->required();
  cmd->callback([options] {
    const graph::MergeResult merged = graph::merge_datasets(options->output, options->inputs);
    std::printf("%s: %s%lld windows in %zu shards from %zu clips\n", options->output.c_str(),
                merged.unchanged ? "already merged, unchanged: " : "", merged.windows,
                merged.shards, merged.sources);
  });
}

}  // namespace edge::cli
