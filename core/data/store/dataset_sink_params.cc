#include "store/dataset_sink_params.h"

#include <limits>
#include <nlohmann/json.hpp>

namespace edge::store {
namespace {

std::string check_json_object(const params::Value& value) {
  if (value.null || value.s.empty()) return "";
  const nlohmann::json j = nlohmann::json::parse(value.s, nullptr, false);
  if (j.is_discarded()) return "it is not valid JSON";
  if (!j.is_object()) return "it is JSON but not an object";
  return "";
}

}  // namespace

const params::Table& dataset_sink_params() {
  static const params::Table table = [] {
    using S = DatasetSinkSettings;
    using C = DatasetSinkStatistics;
    params::TableBuilder<S, C> b(
        "edgedatasetsink",
        "Writes windows as NumPy shards with labels, folds, clip ids and a manifest");
    b.text("location", "Location",
           "Directory to write the dataset into (created if missing; an existing dataset there "
           "is resumed)",
           &S::location)
        .nullable();
    b.choice(
        "dtype", "Data type", "Element type of the stored windows", &S::dtype,
        "GstEdgeDatasetDType",
        {{int(DatasetDType::kFloat32), "float32", "32-bit float"},
         {int(DatasetDType::kInt8), "int8", "8-bit integer, quantized with scale and zero-point"}});
    b.number("scale", "Scale", "int8 quantization scale: real = scale * (q - zero-point)",
             &S::scale, 1e-12f, std::numeric_limits<float>::max());
    b.number("zero-point", "Zero point", "int8 quantization zero point", &S::zero_point, -128, 127);
    b.number("shard-windows", "Windows per shard",
             "Windows in each shard (0: as many as fit in shard-bytes)", &S::shard_windows, 0u,
             std::numeric_limits<uint32_t>::max());
    b.number("shard-bytes", "Shard size", "Target bytes of window data per shard", &S::shard_bytes,
             uint64_t(1), std::numeric_limits<uint64_t>::max());
    b.text("dataset-root", "Dataset root",
           "Directory the clips' source paths are relative to, to hash each source file into the "
           "manifest",
           &S::dataset_root)
        .nullable();
    b.text("preprocess", "Preprocess segment",
           "The preprocess graph segment that made these windows, kept in the manifest",
           &S::preprocess)
        .nullable();
    // keep_invalid: the element's start names the property and the JSON error.
    b.text("parameters", "Parameters",
           "JSON object of the segment's parameters, kept in the manifest", &S::parameters)
        .nullable()
        .check(check_json_object, "a JSON object")
        .keep_invalid();
    b.text("statistics", "Statistics file",
           "Normalization statistics JSON file (edgenormalize) to keep in the manifest",
           &S::statistics)
        .nullable();
    b.statistic("windows", "Windows", "Windows stored in the dataset so far", &C::windows);
    b.statistic("skipped", "Skipped", "Windows skipped because an earlier run already stored them",
                &C::skipped);
    b.statistic("shards", "Shards", "Shards written", &C::shards);
    return b.build();
  }();
  return table;
}

}  // namespace edge::store
