#include "optimize/model_metadata.h"

#include "common/error.h"

namespace edge::optimize {

void set_edge_metadata(Draft& draft, const nn::EdgeMetadata& metadata) {
  std::string labels;
  for (size_t i = 0; i < metadata.labels.size(); ++i) {
    const std::string& label = metadata.labels[i];
    if (label.empty()) throw Error(msg("label ", i, " is empty"));
    if (label.find_first_of("\r\n") != std::string::npos)
      throw Error(msg("label ", i, " \"", label, "\" holds a line break"));
    if (i) labels.push_back('\n');
    labels += label;
  }
  draft.remove_metadata(nn::kLabelsMetadataName);
  draft.remove_metadata(nn::kPreprocessMetadataName);
  draft.remove_metadata(nn::kStatisticsMetadataName);
  draft.remove_metadata(nn::kHashMetadataName);
  if (!labels.empty()) draft.set_metadata(nn::kLabelsMetadataName, labels);
  if (!metadata.preprocess.empty())
    draft.set_metadata(nn::kPreprocessMetadataName, metadata.preprocess);
  if (!metadata.statistics.empty())
    draft.set_metadata(nn::kStatisticsMetadataName, metadata.statistics);
  if (!metadata.preprocess.empty() || !metadata.statistics.empty())
    draft.set_metadata(nn::kHashMetadataName,
                       nn::preprocess_hash(metadata.preprocess, metadata.statistics));
}

nn::Model with_edge_metadata(const nn::Model& model, const nn::EdgeMetadata& metadata) {
  Draft draft = draft_from(model);
  set_edge_metadata(draft, metadata);
  return build(draft);
}

}  // namespace edge::optimize
