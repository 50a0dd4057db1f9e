#include "train/architectures.h"

#include "train/activation.h"
#include "train/batchnorm.h"
#include "train/conv.h"
#include "train/pool.h"
#include "train/shape_ops.h"

namespace edge::train {

NodeId add_fire_module(Model& model, NodeId input, int squeeze, int expand,
                       const std::string& name) {
  NodeId s = model.add(std::make_unique<Conv2D>(squeeze, 1), input, name + "_squeeze");
  s = model.add(std::make_unique<ReLU>(), s, name + "_squeeze_relu");
  NodeId e1 = model.add(std::make_unique<Conv2D>(expand, 1), s, name + "_expand1x1");
  e1 = model.add(std::make_unique<ReLU>(), e1, name + "_expand1x1_relu");
  NodeId e3 =
      model.add(std::make_unique<Conv2D>(expand, 3, 1, Padding::kSame), s, name + "_expand3x3");
  e3 = model.add(std::make_unique<ReLU>(), e3, name + "_expand3x3_relu");
  return model.add(std::make_unique<Concatenate>(), {e1, e3}, name + "_concat");
}

Model make_squeezenet_audio(int height, int width, int classes) {
  Model m;
  NodeId x = m.input({height, width, 1});
  x = m.add(std::make_unique<Conv2D>(32, 3, 2), x, "conv1");
  x = m.add(std::make_unique<BatchNorm>(), x, "conv1_bn");
  x = m.add(std::make_unique<ReLU>(), x, "conv1_relu");
  x = m.add(std::make_unique<MaxPool2D>(3, 2), x, "pool1");
  x = add_fire_module(m, x, 16, 32, "fire2");
  x = add_fire_module(m, x, 16, 32, "fire3");
  x = m.add(std::make_unique<MaxPool2D>(3, 2), x, "pool3");
  x = add_fire_module(m, x, 32, 64, "fire4");
  x = add_fire_module(m, x, 32, 64, "fire5");
  x = m.add(std::make_unique<MaxPool2D>(3, 2), x, "pool5");
  x = add_fire_module(m, x, 48, 96, "fire6");
  x = m.add(std::make_unique<Dropout>(0.5f), x, "drop6");
  x = m.add(std::make_unique<Conv2D>(classes, 1), x, "conv10");
  m.add(std::make_unique<GlobalAveragePool>(), x, "gap");
  return m;
}

}  // namespace edge::train
