// Inference -> trainer bridge: turns a float32 IR model (core/runtime/nn/model.h, what
// export_ir writes and the reader loads from a .tflite) back into a trainable
// core/train Model with the same weights, so a trained model file can be
// fine-tuned (pruning, clustering, QAT) and exported again.
//
// Mapping (operators in file order; the inverse of export_ir.h):
//   FULLY_CONNECTED   -> Dense (kernel [out, in], bias [out]; a Flatten first
//                        when the input has more than one dimension per sample)
//   CONV_2D           -> Conv2D (OHWI), DEPTHWISE_CONV_2D -> DepthwiseConv2D
//   fused RELU/RELU6  -> a ReLU / ReLU6 layer after the operator's layer
//   MAX_POOL_2D, AVERAGE_POOL_2D -> MaxPool2D, AveragePool2D
//   MEAN over axes {1, 2} of a rank-4 tensor, keep_dims false -> GlobalAveragePool
//   RESHAPE to [batch, features] -> Flatten
//   CONCATENATION on the last axis -> Concatenate
//   RELU, RELU6       -> ReLU, ReLU6
//   SOFTMAX (beta 1) producing the graph output -> dropped, since the trainer's
//                        softmax lives in its loss (ImportResult::softmax says so)
// Layer names come from the IR: a weighted layer takes the prefix of its
// kernel tensor's name ("dense_50" of "dense_50/kernel", as export_ir names
// them), other layers their output tensor's name; names are made unique.
// Weights are copied (the returned model owns them). BatchNorm and Dropout do
// not exist in an inference model, so the imported model has none.
//
// Errors (edge::Error naming the model source, the operator index and its
// builtin name): an operator with no trainer mapping (e.g. ADD, LSTM), options
// the trainer cannot express (fused TANH, keep_num_dims, MEAN over other axes,
// a RESHAPE that is not a flatten, CONCATENATION on another axis, a SOFTMAX
// that is not last), non-float32 tensors (a quantized model), more than one
// graph input or output, non-constant weights.
// Thread safety: reentrant; the IR is only read.
#pragma once

#include <string>

#include "nn/model.h"
#include "train/model.h"

namespace edge::train {

struct ImportResult {
  Model model;           // built, weights set; output() is the logits node
  int batch = 1;         // outermost dimension of the IR's input
  bool softmax = false;  // the IR ended with SOFTMAX (export with softmax to match)
};

ImportResult import_ir(const nn::Model& ir);

}  // namespace edge::train
