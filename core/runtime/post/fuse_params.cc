#include "post/fuse_params.h"

#include "post/fuse.h"

namespace edge::post {
namespace {

std::string check_weights(const params::Value& v) { return check_fuse_weights(v.s); }

}  // namespace

const params::Table& fuse_params() {
  static const params::Table table = [] {
    using S = FuseSettings;
    using C = FuseStatistics;
    params::TableBuilder<S, C> b(
        "edgefuse",
        "Late fusion: the weighted mean of several classifiers' scores for the same window");
    b.text("weights", "Weights",
           "Weight of each sink pad's scores in the mean, comma-separated in pad order "
           "(sink_0,sink_1,...), e.g. \"2,1\" (unset: equal weights)",
           &S::weights)
        .nullable()
        .check(check_weights, "comma-separated numbers >= 0, not all 0, one per sink pad")
        .keep_invalid();
    b.statistic("windows", "Windows", "Windows fused so far", &C::windows);
    return b.build();
  }();
  return table;
}

}  // namespace edge::post
