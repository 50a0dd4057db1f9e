#include "signal/reshape_params.h"

#include "common/error.h"

namespace edge::signal {
namespace {

std::string check_shape(const params::Value& v) {
  try {
    parse_reshape_target(v.s);
  } catch (const Error& e) {
    return e.what();
  }
  return std::string();
}

}  // namespace

ReshapeTarget parse_reshape_target(const std::string& text) {
  ReshapeTarget target;
  if (text == "square") return target;
  if (text == "square-pad") {
    target.mode = ReshapeMode::kSquarePad;
    return target;
  }
  target.mode = ReshapeMode::kExplicit;
  if (!dims_from_string(text, &target.explicit_shape))
    throw Error(msg("\"", text,
                    "\" is neither square, square-pad nor dimensions (positive integers "
                    "separated by ':')"));
  return target;
}

const params::Table& reshape_params() {
  static const params::Table table = [] {
    params::TableBuilder<ReshapeSettings> b(
        "edgereshape",
        "Reshapes a float32 window tensor into a square (truncated or zero padded) or explicit "
        "shape");
    b.text("shape", "Shape",
           "square: C:s:s with s = floor(sqrt(frames)), extra frames dropped (30000 -> "
           "1:173:173); square-pad: s = ceil(sqrt(frames)), zero padded; or explicit dimensions "
           "innermost first (\"1:150:200\") holding exactly the input's element count",
           &ReshapeSettings::shape)
        .check(check_shape, "square, square-pad or dimensions innermost first such as 1:173:173");
    return b.build();
  }();
  return table;
}

}  // namespace edge::signal
