#include "post/label_sink_params.h"

namespace edge::post {

const params::Table& label_sink_params() {
  static const params::Table table = [] {
    using S = LabelSinkSettings;
    using C = LabelSinkStatistics;
    params::TableBuilder<S, C> b(
        "edgelabelsink",
        "Writes smoothed, thresholded classification results as JSON lines and bus messages");
    b.text("location", "Location", "File to write JSON lines to (unset: standard output)",
           &S::location)
        .nullable();
    b.number("smoothing", "Smoothing",
             "Average class scores over the last N windows (1: no smoothing)", &S::smoothing, 1,
             1000);
    b.number("threshold", "Threshold",
             "Smoothed score the best class needs to be reported as the label (below it the "
             "line's label is null)",
             &S::threshold, 0.0f, 1.0f);
    b.number("top-k", "Top k", "Classes listed in each line's \"top\"", &S::top_k, 1, 1000);
    b.text("labels", "Labels file",
           "One label per line, for buffers that carry scores but no labels (e.g. from "
           "NNStreamer's tensor_filter)",
           &S::labels)
        .nullable();
    b.boolean("post-messages", "Post messages",
              "Post an \"edgestream-label\" element message for every window", &S::post_messages);
    b.boolean("only-accepted", "Only accepted",
              "Write only lines whose best class reaches the threshold", &S::only_accepted);
    b.text("background", "Background classes",
           "Comma-separated labels of classes that mean \"no event\" (e.g. "
           "background,silence,unknown): when one leads, the line has no label and \"gate\": "
           "\"background\"",
           &S::background)
        .nullable();
    b.statistic("results", "Results", "Windows classified so far", &C::results);
    b.statistic("accepted", "Accepted", "Windows whose best class reached the threshold",
                &C::accepted);
    return b.build();
  }();
  return table;
}

}  // namespace edge::post
