// Sliding-window geometry shared by convolutions and pools, with TensorFlow's
// padding rules:
//   VALID: out = ceil((in - effective_kernel + 1) / stride), no padding.
//   SAME:  out = ceil(in / stride); total padding max((out-1)*stride +
//          effective_kernel - in, 0), the smaller half before (top/left).
// effective_kernel = (kernel - 1) * dilation + 1.
#pragma once

#include <string>

namespace edge::train {

enum class Padding { kValid, kSame };

const char* padding_name(Padding padding);  // "VALID", "SAME"

struct Window2D {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  Padding padding = Padding::kValid;
};

// Resolved geometry for one input size.
struct Geometry2D {
  int in_h = 0, in_w = 0;
  int out_h = 0, out_w = 0;
  int pad_top = 0, pad_left = 0;
};

// Throws edge::Error (prefixed by `who`) when a value is out of range or the
// output would be empty.
void validate_window(const Window2D& window, const std::string& who);
Geometry2D resolve_geometry(const Window2D& window, int in_h, int in_w, const std::string& who);

}  // namespace edge::train
