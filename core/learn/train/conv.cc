#include "train/conv.h"

#include <algorithm>
#include <cstring>

namespace edge::train {
namespace {

// Copies the receptive field of every output position of one HWC image into
// the rows of `patches`; taps outside the image are zero.
void im2col(const float* image, const Geometry2D& g, const Window2D& w, int channels,
            RowMatrix* patches) {
  const int row_size = w.kernel_h * w.kernel_w * channels;
  for (int oy = 0; oy < g.out_h; ++oy) {
    for (int ox = 0; ox < g.out_w; ++ox) {
      float* row = patches->data() + int64_t(oy * g.out_w + ox) * row_size;
      for (int ky = 0; ky < w.kernel_h; ++ky) {
        const int iy = oy * w.stride_h - g.pad_top + ky * w.dilation_h;
        for (int kx = 0; kx < w.kernel_w; ++kx) {
          const int ix = ox * w.stride_w - g.pad_left + kx * w.dilation_w;
          float* dst = row + (ky * w.kernel_w + kx) * channels;
          if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) {
            std::fill(dst, dst + channels, 0.0f);
          } else {
            std::memcpy(dst, image + (int64_t(iy) * g.in_w + ix) * channels,
                        sizeof(float) * size_t(channels));
          }
        }
      }
    }
  }
}

// Adjoint of im2col: sums patch gradients back into one HWC image gradient.
void col2im(const RowMatrix& patch_grads, const Geometry2D& g, const Window2D& w, int channels,
            float* image_grad) {
  std::fill(image_grad, image_grad + int64_t(g.in_h) * g.in_w * channels, 0.0f);
  const int row_size = w.kernel_h * w.kernel_w * channels;
  for (int oy = 0; oy < g.out_h; ++oy) {
    for (int ox = 0; ox < g.out_w; ++ox) {
      const float* row = patch_grads.data() + int64_t(oy * g.out_w + ox) * row_size;
      for (int ky = 0; ky < w.kernel_h; ++ky) {
        const int iy = oy * w.stride_h - g.pad_top + ky * w.dilation_h;
        if (iy < 0 || iy >= g.in_h) continue;
        for (int kx = 0; kx < w.kernel_w; ++kx) {
          const int ix = ox * w.stride_w - g.pad_left + kx * w.dilation_w;
          if (ix < 0 || ix >= g.in_w) continue;
          const float* src = row + (ky * w.kernel_w + kx) * channels;
          float* dst = image_grad + (int64_t(iy) * g.in_w + ix) * channels;
          for (int c = 0; c < channels; ++c) dst[c] += src[c];
        }
      }
    }
  }
}

const Shape& image_input(const std::vector<Shape>& input_shapes, const std::string& who) {
  if (input_shapes.size() != 1) throw Error(msg(who, ": takes 1 input, got ", input_shapes.size()));
  const Shape& in = input_shapes[0];
  if (in.size() != 3 || in[0] < 1 || in[1] < 1 || in[2] < 1)
    throw Error(msg(who, ": expects a [height, width, channels] input per sample (NHWC), got ",
                    shape_to_string(in)));
  return in;
}

}  // namespace

Conv2D::Conv2D(int filters, const Window2D& window, bool use_bias)
    : filters_(filters), window_(window), use_bias_(use_bias) {
  if (filters < 1) throw Error(msg("Conv2D: filters must be >= 1, got ", filters));
  validate_window(window, "Conv2D");
}

Conv2D::Conv2D(int filters, int kernel, int stride, Padding padding, bool use_bias)
    : Conv2D(filters, Window2D{kernel, kernel, stride, stride, 1, 1, padding}, use_bias) {}

Shape Conv2D::build(const std::vector<Shape>& input_shapes) {
  const Shape& in = image_input(input_shapes, describe());
  channels_ = in[2];
  input_sample_shape_ = in;
  geometry_ = resolve_geometry(window_, in[0], in[1], describe());
  pointwise_ = window_.kernel_h == 1 && window_.kernel_w == 1 && window_.stride_h == 1 &&
               window_.stride_w == 1;
  params_.clear();
  add_param("kernel", {filters_, window_.kernel_h, window_.kernel_w, channels_});
  if (use_bias_) add_param("bias", {filters_});
  if (!pointwise_) {
    patches_.resize(int64_t(geometry_.out_h) * geometry_.out_w, patch_size());
    patch_grads_.resize(patches_.rows(), patches_.cols());
  }
  return {geometry_.out_h, geometry_.out_w, filters_};
}

void Conv2D::initialize(Rng& rng, Init init) {
  he_fill(param("kernel").value.get(), patch_size(), rng, init);
}

void Conv2D::forward(const std::vector<const Tensor*>& inputs, Tensor* output, const Context&) {
  expect_input(*inputs[0], input_sample_shape_);
  const Tensor& x = *inputs[0];
  const int n = x.dim(0);
  const int64_t out_pixels = int64_t(geometry_.out_h) * geometry_.out_w;
  output->resize({n, geometry_.out_h, geometry_.out_w, filters_});
  const auto kernel = params_[0].value->matrix(filters_, patch_size());
  if (pointwise_) {
    auto y = output->matrix(n * out_pixels, filters_);
    y.noalias() = x.matrix(n * out_pixels, channels_) * kernel.transpose();
    if (use_bias_) y.rowwise() += params_[1].value->vector().transpose();
    return;
  }
  const int64_t in_size = x.inner_size();
  for (int s = 0; s < n; ++s) {
    im2col(x.data() + s * in_size, geometry_, window_, channels_, &patches_);
    MatrixMap y(output->data() + s * out_pixels * filters_, out_pixels, filters_);
    y.noalias() = patches_ * kernel.transpose();
    if (use_bias_) y.rowwise() += params_[1].value->vector().transpose();
  }
}

void Conv2D::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                      const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  const Tensor& x = *inputs[0];
  const int n = x.dim(0);
  const int64_t out_pixels = int64_t(geometry_.out_h) * geometry_.out_w;
  const auto kernel = params_[0].value->matrix(filters_, patch_size());
  auto kernel_grad = params_[0].grad.matrix(filters_, patch_size());
  Tensor* dx = grad_inputs[0];
  if (dx) dx->resize(x.shape());
  if (use_bias_) {
    params_[1].grad.vector() +=
        grad_output.matrix(n * out_pixels, filters_).colwise().sum().transpose();
  }
  if (pointwise_) {
    const auto dy = grad_output.matrix(n * out_pixels, filters_);
    kernel_grad.noalias() += dy.transpose() * x.matrix(n * out_pixels, channels_);
    if (dx) dx->matrix(n * out_pixels, channels_).noalias() = dy * kernel;
    return;
  }
  const int64_t in_size = x.inner_size();
  for (int s = 0; s < n; ++s) {
    ConstMatrixMap dy(grad_output.data() + s * out_pixels * filters_, out_pixels, filters_);
    im2col(x.data() + s * in_size, geometry_, window_, channels_, &patches_);
    kernel_grad.noalias() += dy.transpose() * patches_;
    if (dx) {
      patch_grads_.noalias() = dy * kernel;
      col2im(patch_grads_, geometry_, window_, channels_, dx->data() + s * in_size);
    }
  }
}

int64_t Conv2D::forward_gemm_flops(int batch) const {
  return 2ll * batch * geometry_.out_h * geometry_.out_w * patch_size() * filters_;
}

DepthwiseConv2D::DepthwiseConv2D(const Window2D& window, int depth_multiplier, bool use_bias)
    : window_(window), multiplier_(depth_multiplier), use_bias_(use_bias) {
  if (depth_multiplier < 1)
    throw Error(msg("DepthwiseConv2D: depth_multiplier must be >= 1, got ", depth_multiplier));
  validate_window(window, "DepthwiseConv2D");
}

Shape DepthwiseConv2D::build(const std::vector<Shape>& input_shapes) {
  const Shape& in = image_input(input_shapes, describe());
  channels_ = in[2];
  input_sample_shape_ = in;
  geometry_ = resolve_geometry(window_, in[0], in[1], describe());
  const int out_channels = channels_ * multiplier_;
  params_.clear();
  add_param("kernel", {1, window_.kernel_h, window_.kernel_w, out_channels});
  if (use_bias_) add_param("bias", {out_channels});
  return {geometry_.out_h, geometry_.out_w, out_channels};
}

void DepthwiseConv2D::initialize(Rng& rng, Init init) {
  // Fan-in of one output channel: its KH*KW taps of one input channel.
  he_fill(param("kernel").value.get(), int64_t(window_.kernel_h) * window_.kernel_w, rng, init);
}

void DepthwiseConv2D::forward(const std::vector<const Tensor*>& inputs, Tensor* output,
                              const Context&) {
  expect_input(*inputs[0], input_sample_shape_);
  const Tensor& x = *inputs[0];
  const int n = x.dim(0);
  const int m = multiplier_;
  const int oc = channels_ * m;
  const Geometry2D& g = geometry_;
  output->resize({n, g.out_h, g.out_w, oc});
  const float* kernel = params_[0].value->data();
  const float* bias = use_bias_ ? params_[1].value->data() : nullptr;
  for (int s = 0; s < n; ++s) {
    const float* image = x.data() + int64_t(s) * g.in_h * g.in_w * channels_;
    for (int oy = 0; oy < g.out_h; ++oy) {
      for (int ox = 0; ox < g.out_w; ++ox) {
        float* out = output->data() + ((int64_t(s) * g.out_h + oy) * g.out_w + ox) * oc;
        for (int o = 0; o < oc; ++o) out[o] = bias ? bias[o] : 0.0f;
        for (int ky = 0; ky < window_.kernel_h; ++ky) {
          const int iy = oy * window_.stride_h - g.pad_top + ky * window_.dilation_h;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int kx = 0; kx < window_.kernel_w; ++kx) {
            const int ix = ox * window_.stride_w - g.pad_left + kx * window_.dilation_w;
            if (ix < 0 || ix >= g.in_w) continue;
            const float* in = image + (int64_t(iy) * g.in_w + ix) * channels_;
            const float* k = kernel + (ky * window_.kernel_w + kx) * oc;
            if (m == 1) {  // the usual case, as one vectorizable loop
              for (int c = 0; c < channels_; ++c) out[c] += in[c] * k[c];
            } else {
              for (int c = 0; c < channels_; ++c)
                for (int j = 0; j < m; ++j) out[c * m + j] += in[c] * k[c * m + j];
            }
          }
        }
      }
    }
  }
}

void DepthwiseConv2D::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                               const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  const Tensor& x = *inputs[0];
  const int n = x.dim(0);
  const int m = multiplier_;
  const int oc = channels_ * m;
  const Geometry2D& g = geometry_;
  const float* kernel = params_[0].value->data();
  float* kernel_grad = params_[0].grad.data();
  float* bias_grad = use_bias_ ? params_[1].grad.data() : nullptr;
  Tensor* dx = grad_inputs[0];
  if (dx) {
    dx->resize(x.shape());
    dx->set_zero();
  }
  for (int s = 0; s < n; ++s) {
    const int64_t image_offset = int64_t(s) * g.in_h * g.in_w * channels_;
    for (int oy = 0; oy < g.out_h; ++oy) {
      for (int ox = 0; ox < g.out_w; ++ox) {
        const float* dy = grad_output.data() + ((int64_t(s) * g.out_h + oy) * g.out_w + ox) * oc;
        if (bias_grad)
          for (int o = 0; o < oc; ++o) bias_grad[o] += dy[o];
        for (int ky = 0; ky < window_.kernel_h; ++ky) {
          const int iy = oy * window_.stride_h - g.pad_top + ky * window_.dilation_h;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int kx = 0; kx < window_.kernel_w; ++kx) {
            const int ix = ox * window_.stride_w - g.pad_left + kx * window_.dilation_w;
            if (ix < 0 || ix >= g.in_w) continue;
            const int64_t pixel = image_offset + (int64_t(iy) * g.in_w + ix) * channels_;
            const float* in = x.data() + pixel;
            const int tap = (ky * window_.kernel_w + kx) * oc;
            if (m == 1) {  // the usual case, as vectorizable loops
              float* kg = kernel_grad + tap;
              const float* k = kernel + tap;
              for (int c = 0; c < channels_; ++c) kg[c] += dy[c] * in[c];
              if (dx) {
                float* d = dx->data() + pixel;
                for (int c = 0; c < channels_; ++c) d[c] += dy[c] * k[c];
              }
              continue;
            }
            for (int c = 0; c < channels_; ++c) {
              float sum = 0.0f;
              for (int j = 0; j < m; ++j) {
                kernel_grad[tap + c * m + j] += dy[c * m + j] * in[c];
                sum += dy[c * m + j] * kernel[tap + c * m + j];
              }
              if (dx) dx->data()[pixel + c] += sum;
            }
          }
        }
      }
    }
  }
}

}  // namespace edge::train
