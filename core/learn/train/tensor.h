// The training engine's float32 tensor: a shape and contiguous row-major data.
//
// Layout: outermost first and batch-major, [N, features] for dense data and
// NHWC ([N, H, W, C]) for images, the layout TFLite uses, so trained weights and
// activations need no transposition at export.
//
// Memory: data is 64-byte aligned for Eigen. resize() keeps the allocation when
// the new size fits in it, so a training loop that reuses its tensors allocates
// only on the first step (and never when the last batch is smaller).
//
// Thread safety: a Tensor is a value; concurrent reads are safe, writes are not.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "tensor/tensor.h"

namespace edge::train {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix, Eigen::Unaligned>;
using ConstMatrixMap = Eigen::Map<const RowMatrix, Eigen::Unaligned>;
using VectorMap = Eigen::Map<Eigen::VectorXf, Eigen::Unaligned>;
using ConstVectorMap = Eigen::Map<const Eigen::VectorXf, Eigen::Unaligned>;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(const Shape& shape) { resize(shape); }

  // Sets the shape; contents are unspecified afterwards (callers overwrite or set_zero()).
  void resize(const Shape& shape) {
    shape_ = shape;
    data_.resize(size_t(shape_elements(shape)));
  }
  // Same, for a literal shape ({n, h, w, c}): reuses the shape's storage too.
  void resize(std::initializer_list<int32_t> shape) {
    shape_.assign(shape);
    data_.resize(size_t(shape_elements(shape_)));
  }
  void set_zero() { std::fill(data_.begin(), data_.end(), 0.0f); }

  const Shape& shape() const { return shape_; }
  int rank() const { return int(shape_.size()); }
  int dim(int axis) const { return shape_[size_t(axis)]; }
  int64_t size() const { return int64_t(data_.size()); }
  // Elements per outermost index (per sample for batch-major tensors).
  int64_t inner_size() const { return shape_.empty() || shape_[0] == 0 ? 0 : size() / shape_[0]; }

  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  float& operator[](int64_t i) { return data_[size_t(i)]; }
  float operator[](int64_t i) const { return data_[size_t(i)]; }

  // The data as a rows x cols row-major matrix (rows * cols must equal size()).
  MatrixMap matrix(int64_t rows, int64_t cols) { return MatrixMap(data(), rows, cols); }
  ConstMatrixMap matrix(int64_t rows, int64_t cols) const {
    return ConstMatrixMap(data(), rows, cols);
  }
  VectorMap vector() { return VectorMap(data(), size()); }
  ConstVectorMap vector() const { return ConstVectorMap(data(), size()); }

 private:
  Shape shape_;
  std::vector<float, Eigen::aligned_allocator<float>> data_;
};

// [batch] + sample_shape.
inline Shape batched(int batch, const Shape& sample_shape) {
  Shape shape{batch};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  return shape;
}

}  // namespace edge::train
