#include "train/geometry.h"

#include <algorithm>

#include "common/error.h"

namespace edge::train {

const char* padding_name(Padding padding) { return padding == Padding::kSame ? "SAME" : "VALID"; }

void validate_window(const Window2D& w, const std::string& who) {
  if (w.kernel_h < 1 || w.kernel_w < 1)
    throw Error(msg(who, ": kernel size must be >= 1, got ", w.kernel_h, "x", w.kernel_w));
  if (w.stride_h < 1 || w.stride_w < 1)
    throw Error(msg(who, ": stride must be >= 1, got ", w.stride_h, "x", w.stride_w));
  if (w.dilation_h < 1 || w.dilation_w < 1)
    throw Error(msg(who, ": dilation must be >= 1, got ", w.dilation_h, "x", w.dilation_w));
}

Geometry2D resolve_geometry(const Window2D& w, int in_h, int in_w, const std::string& who) {
  validate_window(w, who);
  Geometry2D g;
  g.in_h = in_h;
  g.in_w = in_w;
  const int eff_h = (w.kernel_h - 1) * w.dilation_h + 1;
  const int eff_w = (w.kernel_w - 1) * w.dilation_w + 1;
  if (w.padding == Padding::kValid) {
    if (in_h < eff_h || in_w < eff_w)
      throw Error(msg(who, ": input ", in_h, "x", in_w, " is smaller than the ", eff_h, "x", eff_w,
                      " window (dilated) with VALID padding"));
    g.out_h = (in_h - eff_h) / w.stride_h + 1;
    g.out_w = (in_w - eff_w) / w.stride_w + 1;
  } else {
    if (in_h < 1 || in_w < 1) throw Error(msg(who, ": input ", in_h, "x", in_w, " is empty"));
    g.out_h = (in_h + w.stride_h - 1) / w.stride_h;
    g.out_w = (in_w + w.stride_w - 1) / w.stride_w;
    g.pad_top = std::max((g.out_h - 1) * w.stride_h + eff_h - in_h, 0) / 2;
    g.pad_left = std::max((g.out_w - 1) * w.stride_w + eff_w - in_w, 0) / 2;
  }
  return g;
}

}  // namespace edge::train
