// Trainer -> inference bridge: turns a trained core/train Model into the
// engine's float32 IR (core/runtime/nn/model.h), which core/runtime/nn/interpreter.h runs and
// the writer (core/runtime/nn/tflite_writer.h) saves as .tflite.
//
// Mapping (per layer, in node order; weights are copied as they are, since the
// trainer already keeps TFLite's layouts):
//   Dense            -> FULLY_CONNECTED (kernel [out, in], bias [out])
//   Conv2D           -> CONV_2D (OHWI), DepthwiseConv2D -> DEPTHWISE_CONV_2D
//   BatchNorm        -> folded into the Dense/Conv/Depthwise before it
//                       (fold_batchnorm) when that layer feeds only the BatchNorm
//   ReLU / ReLU6     -> fused activation of the Dense/Conv/Depthwise before it
//                       when that layer (or its folded BatchNorm) feeds only it;
//                       otherwise a RELU / RELU6 operator
//   MaxPool2D, AveragePool2D -> MAX_POOL_2D, AVERAGE_POOL_2D
//   GlobalAveragePool -> MEAN over axes {1, 2}, keep_dims false
//   Flatten          -> RESHAPE to [batch, features]
//   Concatenate      -> CONCATENATION on the last axis
//   Dropout          -> dropped (identity at inference)
//   FakeQuant (qat.h) -> dropped (its ranges are for the int8 quantizer)
//   then SOFTMAX on the model output (ExportOptions::softmax), since the
//   trainer's softmax lives in the loss.
// Every bias is written (zeros when the layer has none) so a runtime never
// meets an absent bias. Tensors are named after the layer that produces them.
//
// Errors: a layer kind with no mapping (e.g. a BatchNorm that does not follow a
// foldable layer), batch < 1, an empty or multi-line label throw edge::Error
// naming the layer. The trained model is only read; the returned IR owns
// copies of all weights, so the trained model may change or go afterwards.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nn/model.h"
#include "train/model.h"

namespace edge::train {

struct ExportOptions {
  int batch = 1;                    // outermost dimension of input and output
  bool softmax = true;              // append SOFTMAX (probabilities out)
  std::vector<std::string> labels;  // "edgestream.labels" entry, one per line; none when empty
  // Further metadata entries (name, bytes), written after the labels in order.
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string description = "edgestream trainer export";
};

// The IR of `model` in inference mode; Model::validate() has passed on it.
nn::Model export_ir(const Model& model, const ExportOptions& options = {});

}  // namespace edge::train
