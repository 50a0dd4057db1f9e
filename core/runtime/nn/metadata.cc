#include "nn/metadata.h"

#include "common/error.h"
#include "common/sha256.h"

namespace edge::nn {

std::string preprocess_hash(const std::string& preprocess, const std::string& statistics) {
  Sha256 sha;
  const char separator = '\0';
  sha.update(preprocess.data(), preprocess.size());
  sha.update(&separator, 1);
  sha.update(statistics.data(), statistics.size());
  return sha.hex_digest();
}

EdgeMetadata read_edge_metadata(const Model& model) {
  EdgeMetadata out;
  out.labels = model.labels();
  const MetadataEntry* preprocess = model.find_metadata(kPreprocessMetadataName);
  const MetadataEntry* statistics = model.find_metadata(kStatisticsMetadataName);
  const MetadataEntry* hash = model.find_metadata(kHashMetadataName);
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

}  // namespace edge::nn
