#include "train/pool.h"

#include <algorithm>
#include <limits>

namespace edge::train {
namespace {

void check_pool_window(const Window2D& w, const char* who) {
  validate_window(w, who);
  if (w.dilation_h != 1 || w.dilation_w != 1)
    throw Error(msg(who, ": dilation must be 1, got ", w.dilation_h, "x", w.dilation_w));
}

}  // namespace

MaxPool2D::MaxPool2D(const Window2D& window) : window_(window) {
  check_pool_window(window, "MaxPool2D");
}

MaxPool2D::MaxPool2D(int pool, int stride, Padding padding)
    : MaxPool2D(Window2D{pool, pool, stride, stride, 1, 1, padding}) {}

Shape MaxPool2D::build(const std::vector<Shape>& input_shapes) {
  const Shape& in = single_input(input_shapes);
  if (in.size() != 3) fail("expects a [height, width, channels] input, got ", shape_to_string(in));
  channels_ = in[2];
  input_sample_shape_ = in;
  geometry_ = resolve_geometry(window_, in[0], in[1], describe());
  return {geometry_.out_h, geometry_.out_w, channels_};
}

void MaxPool2D::forward(const std::vector<const Tensor*>& inputs, Tensor* output, const Context&) {
  expect_input(*inputs[0], input_sample_shape_);
  const Tensor& x = *inputs[0];
  const Geometry2D& g = geometry_;
  const int n = x.dim(0), c = channels_;
  output->resize({n, g.out_h, g.out_w, c});
  argmax_.resize(size_t(output->size()));
  int64_t o = 0;
  for (int s = 0; s < n; ++s) {
    const int64_t base = int64_t(s) * g.in_h * g.in_w * c;
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int y0 = std::max(oy * window_.stride_h - g.pad_top, 0);
      const int y1 = std::min(oy * window_.stride_h - g.pad_top + window_.kernel_h, g.in_h);
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int x0 = std::max(ox * window_.stride_w - g.pad_left, 0);
        const int x1 = std::min(ox * window_.stride_w - g.pad_left + window_.kernel_w, g.in_w);
        for (int ch = 0; ch < c; ++ch, ++o) {
          float best = -std::numeric_limits<float>::infinity();
          int64_t best_at = base + (int64_t(y0) * g.in_w + x0) * c + ch;
          for (int iy = y0; iy < y1; ++iy) {
            for (int ix = x0; ix < x1; ++ix) {
              const int64_t at = base + (int64_t(iy) * g.in_w + ix) * c + ch;
              // NaN propagates: a NaN input is taken as the maximum.
              if (x[at] > best || (x[at] != x[at] && best == best)) {
                best = x[at];
                best_at = at;
              }
            }
          }
          (*output)[o] = x[best_at];
          argmax_[size_t(o)] = best_at;
        }
      }
    }
  }
}

void MaxPool2D::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                         const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  Tensor* dx = grad_inputs[0];
  if (!dx) return;
  dx->resize(inputs[0]->shape());
  dx->set_zero();
  for (int64_t o = 0; o < grad_output.size(); ++o) (*dx)[argmax_[size_t(o)]] += grad_output[o];
}

AveragePool2D::AveragePool2D(const Window2D& window) : window_(window) {
  check_pool_window(window, "AveragePool2D");
}

AveragePool2D::AveragePool2D(int pool, int stride, Padding padding)
    : AveragePool2D(Window2D{pool, pool, stride, stride, 1, 1, padding}) {}

Shape AveragePool2D::build(const std::vector<Shape>& input_shapes) {
  const Shape& in = single_input(input_shapes);
  if (in.size() != 3) fail("expects a [height, width, channels] input, got ", shape_to_string(in));
  channels_ = in[2];
  input_sample_shape_ = in;
  geometry_ = resolve_geometry(window_, in[0], in[1], describe());
  return {geometry_.out_h, geometry_.out_w, channels_};
}

void AveragePool2D::bounds(int oy, int ox, int* y0, int* y1, int* x0, int* x1) const {
  const Geometry2D& g = geometry_;
  *y0 = std::max(oy * window_.stride_h - g.pad_top, 0);
  *y1 = std::min(oy * window_.stride_h - g.pad_top + window_.kernel_h, g.in_h);
  *x0 = std::max(ox * window_.stride_w - g.pad_left, 0);
  *x1 = std::min(ox * window_.stride_w - g.pad_left + window_.kernel_w, g.in_w);
}

void AveragePool2D::forward(const std::vector<const Tensor*>& inputs, Tensor* output,
                            const Context&) {
  expect_input(*inputs[0], input_sample_shape_);
  const Tensor& x = *inputs[0];
  const Geometry2D& g = geometry_;
  const int n = x.dim(0), c = channels_;
  output->resize({n, g.out_h, g.out_w, c});
  for (int s = 0; s < n; ++s) {
    const float* image = x.data() + int64_t(s) * g.in_h * g.in_w * c;
    for (int oy = 0; oy < g.out_h; ++oy) {
      for (int ox = 0; ox < g.out_w; ++ox) {
        int y0, y1, x0, x1;
        bounds(oy, ox, &y0, &y1, &x0, &x1);
        float* out = output->data() + ((int64_t(s) * g.out_h + oy) * g.out_w + ox) * c;
        std::fill(out, out + c, 0.0f);
        for (int iy = y0; iy < y1; ++iy)
          for (int ix = x0; ix < x1; ++ix) {
            const float* in = image + (int64_t(iy) * g.in_w + ix) * c;
            for (int ch = 0; ch < c; ++ch) out[ch] += in[ch];
          }
        const float scale = 1.0f / float((y1 - y0) * (x1 - x0));
        for (int ch = 0; ch < c; ++ch) out[ch] *= scale;
      }
    }
  }
}

void AveragePool2D::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                             const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  Tensor* dx = grad_inputs[0];
  if (!dx) return;
  const Geometry2D& g = geometry_;
  const int n = inputs[0]->dim(0), c = channels_;
  dx->resize(inputs[0]->shape());
  dx->set_zero();
  for (int s = 0; s < n; ++s) {
    float* image_grad = dx->data() + int64_t(s) * g.in_h * g.in_w * c;
    for (int oy = 0; oy < g.out_h; ++oy) {
      for (int ox = 0; ox < g.out_w; ++ox) {
        int y0, y1, x0, x1;
        bounds(oy, ox, &y0, &y1, &x0, &x1);
        const float* dy = grad_output.data() + ((int64_t(s) * g.out_h + oy) * g.out_w + ox) * c;
        const float scale = 1.0f / float((y1 - y0) * (x1 - x0));
        for (int iy = y0; iy < y1; ++iy)
          for (int ix = x0; ix < x1; ++ix) {
            float* d = image_grad + (int64_t(iy) * g.in_w + ix) * c;
            for (int ch = 0; ch < c; ++ch) d[ch] += dy[ch] * scale;
          }
      }
    }
  }
}

Shape GlobalAveragePool::build(const std::vector<Shape>& input_shapes) {
  const Shape& in = single_input(input_shapes);
  if (in.size() != 3 || in[0] < 1 || in[1] < 1)
    fail("expects a non-empty [height, width, channels] input, got ", shape_to_string(in));
  pixels_ = in[0] * in[1];
  channels_ = in[2];
  return {channels_};
}

void GlobalAveragePool::forward(const std::vector<const Tensor*>& inputs, Tensor* output,
                                const Context&) {
  const Tensor& x = *inputs[0];
  const int n = x.dim(0);
  output->resize({n, channels_});
  for (int s = 0; s < n; ++s) {
    ConstMatrixMap image(x.data() + int64_t(s) * pixels_ * channels_, pixels_, channels_);
    output->matrix(n, channels_).row(s) = image.colwise().sum() / float(pixels_);
  }
}

void GlobalAveragePool::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                                 const Tensor& grad_output,
                                 const std::vector<Tensor*>& grad_inputs) {
  Tensor* dx = grad_inputs[0];
  if (!dx) return;
  const int n = inputs[0]->dim(0);
  dx->resize(inputs[0]->shape());
  const auto dy = grad_output.matrix(n, channels_);
  for (int s = 0; s < n; ++s) {
    MatrixMap image(dx->data() + int64_t(s) * pixels_ * channels_, pixels_, channels_);
    image.rowwise() = dy.row(s) / float(pixels_);
  }
}

}  // namespace edge::train
