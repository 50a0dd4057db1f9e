#include "core/optimize/model_metadata.h"

#include "core/common/error.h"
#include "core/store/sha256.h"

namespace edge::optimize {

std::string preprocess_hash(const std::string& preprocess, const std::string& statistics) {
  store::Sha256 sha;
  const char separator = '\0';
  sha.update(preprocess.data(), preprocess.size());
  sha.update(&separator, 1);
  sha.update(statistics.data(), statistics.size());
  return sha.hex_digest();
}

void set_edge_metadata(Draft& draft, const EdgeMetadata& metadata) {
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
  draft.remove_metadata(kPreprocessMetadataName);
  draft.remove_metadata(kStatisticsMetadataName);
  draft.remove_metadata(kHashMetadataName);
  if (!labels.empty()) draft.set_metadata(nn::kLabelsMetadataName, labels);
  if (!metadata.preprocess.empty())
    draft.set_metadata(kPreprocessMetadataName, metadata.preprocess);
  if (!metadata.statistics.empty())
    draft.set_metadata(kStatisticsMetadataName, metadata.statistics);
  if (!metadata.preprocess.empty() || !metadata.statistics.empty())
    draft.set_metadata(kHashMetadataName,
                       preprocess_hash(metadata.preprocess, metadata.statistics));
}

nn::Model with_edge_metadata(const nn::Model& model, const EdgeMetadata& metadata) {
  Draft draft = draft_from(model);
  set_edge_metadata(draft, metadata);
  return build(draft);
}

EdgeMetadata read_edge_metadata(const nn::Model& model) {
  EdgeMetadata out;
  out.labels = model.labels();
  const nn::MetadataEntry* preprocess = model.find_metadata(kPreprocessMetadataName);
  const nn::MetadataEntry* statistics = model.find_metadata(kStatisticsMetadataName);
  const nn::MetadataEntry* hash = model.find_metadata(kHashMetadataName);
  if (preprocess) out.preprocess = preprocess->as_string();
  if (statistics) out.statistics = statistics->as_string();
  if ((preprocess || statistics) && !hash) {
    throw Error(msg(model.source(), ": has ",
                    preprocess ? kPreprocessMetadataName : kStatisticsMetadataName,
                    " metadata but no ", kHashMetadataName, " entry"));
  }
  if (hash) {
    const std::string expected = preprocess_hash(out.preprocess, out.statistics);
    if (hash->as_string() != expected) {
      throw Error(msg(model.source(), ": metadata ", kHashMetadataName, " is \"",
                      hash->as_string().substr(0, 64),
                      "\" but the preprocess and statistics entries hash to ", expected,
                      " (the model file was edited or is corrupt)"));
    }
  }
  return out;
}

}  // namespace edge::optimize
