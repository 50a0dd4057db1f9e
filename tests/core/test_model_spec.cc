// Model files (pipelines/<app>/model.toml): every shipped file builds, the declared networks are
// the reference ones, and mistakes get messages naming the file, model, layer and key.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "common/error.h"
#include "tools/experiments/gesture_experiment.h"
#include "train/architectures.h"
#include "train/model_spec.h"

namespace {

using edge::Error;
using edge::train::build_model;
using edge::train::ModelFile;
using edge::train::parse_model_file;
using edge::train::parse_model_text;
using edge::train::TrainingSpec;

std::string source_root() {
  const char* env = std::getenv("EDGE_SOURCE_ROOT");
  return env ? env : ".";
}

std::string pipelines(const std::string& app) {
  return source_root() + "/pipelines/" + app + "/model.toml";
}

TEST(ModelSpec, EveryShippedFileBuildsEveryModel) {
  for (const char* app : {"gesture", "sound", "sound-logmel", "keyword"}) {
    const auto file = parse_model_file(pipelines(app));
    ASSERT_FALSE(file.models.empty()) << app;
    EXPECT_NO_THROW(file.find("")) << app;
    for (const auto& spec : file.models) {
      SCOPED_TRACE(std::string(app) + " " + spec.name);
      auto model = build_model(spec, 10);
      EXPECT_EQ(model.output_shape(), (edge::Shape{10}));
      EXPECT_GT(model.parameter_count(), 0);
      EXPECT_NO_THROW(edge::train::make_optimizer(spec.training));
    }
  }
}

TEST(ModelSpec, GestureFileIsThePapersNetwork) {
  const auto file = parse_model_file(pipelines("gesture"));
  const auto& spec = file.find("");
  EXPECT_EQ(spec.name, "dense");
  EXPECT_EQ(spec.input, (std::vector<int64_t>{180}));
  EXPECT_EQ(spec.training.optimizer, "rmsprop");
  EXPECT_FLOAT_EQ(spec.training.learning_rate, 0.001f);
  EXPECT_EQ(spec.training.epochs, 600);
  EXPECT_EQ(spec.training.batch_size, 1);
  auto from_file = build_model(spec, 2);
  auto reference = edge::train::make_gesture_dense_model(180, 2);
  ASSERT_EQ(from_file.num_layers(), reference.num_layers());
  for (size_t i = 0; i < reference.num_layers(); ++i) {
    EXPECT_STREQ(from_file.layer(i).kind(), reference.layer(i).kind()) << i;
    EXPECT_EQ(from_file.node_shape(int(i) + 1), reference.node_shape(int(i) + 1)) << i;
  }
  // 180*50+50 + 50*15+15 + 15*2+2
  EXPECT_EQ(from_file.parameter_count(), 9050 + 765 + 32);
  EXPECT_EQ(from_file.parameter_count(), reference.parameter_count());
}

TEST(ModelSpec, SoundFileIsTheThesisSqueezeNet) {
  const auto file = parse_model_file(pipelines("sound"));
  auto from_file = build_model(file.find("squeezenet"), 10);
  auto reference = edge::train::make_squeezenet_audio(173, 173, 10);
  EXPECT_EQ(from_file.parameter_count(), reference.parameter_count());
  EXPECT_EQ(from_file.parameter_count(true), reference.parameter_count(true));
  EXPECT_EQ(from_file.num_layers(), reference.num_layers());
  EXPECT_EQ(from_file.forward_gemm_flops(1), reference.forward_gemm_flops(1));
}

TEST(ModelSpec, KeywordFileHasSeed004Cnn) {
  const auto file = parse_model_file(pipelines("keyword"));
  auto model = build_model(file.find("mnist-cnn"), 12);
  // conv 3x3x1x32+32, conv 3x3x32x64+64, 49x40 -> 47x38 -> 45x36 -> pool 22x18x64 = 25344,
  // dense 25344*128+128, dense 128*12+12.
  EXPECT_EQ(model.parameter_count(), 320 + 18496 + 25344 * 128 + 128 + 128 * 12 + 12);
}

const char* kMinimal = R"(
default = "b"
[models.a]
input = [4]
layers = [{ type = "dense", units = "classes" }]
[models.b]
description = "two layers"
input = [2, 2, 1]
layers = [{ type = "flatten" }, { type = "dense", units = 3, activation = "relu6" },
          { type = "dense", units = "classes" }]
[models.b.training]
optimizer = "sgd"
momentum = 0.9
schedule = "one-cycle"
validation_split = 0.2
patience = 2
fine_tune_learning_rate = 0.0005
[sequences]
int8 = ["int8"]
)";

TEST(ModelSpec, ParsesDefaultsOrderAndIgnoresSequences) {
  const auto file = parse_model_text(kMinimal, "mem.toml");
  ASSERT_EQ(file.models.size(), 2u);
  EXPECT_EQ(file.models[0].name, "a");
  EXPECT_EQ(file.find("").name, "b");
  EXPECT_EQ(file.find("a").training.optimizer, "adam");  // default settings
  const auto& b = file.find("b");
  EXPECT_EQ(b.training.optimizer, "sgd");
  EXPECT_FLOAT_EQ(b.training.momentum, 0.9f);
  EXPECT_EQ(b.training.schedule, "one-cycle");
  EXPECT_FLOAT_EQ(b.training.fine_tune_learning_rate, 0.0005f);
  EXPECT_FLOAT_EQ(file.find("a").training.fine_tune_learning_rate, 0.0f);  // learning_rate
  EXPECT_EQ(b.input_elements(), 4);
  auto model = build_model(b, 5);
  EXPECT_EQ(model.num_layers(), 4u);  // flatten, dense, relu6, dense
  EXPECT_STREQ(model.layer(2).kind(), "ReLU6");
  EXPECT_EQ(model.parameter_count(), 4 * 3 + 3 + 3 * 5 + 5);
}

std::string error_of(const std::string& text, int classes = 3) {
  try {
    const auto file = parse_model_text(text, "bad.toml");
    for (const auto& spec : file.models) build_model(spec, classes);
  } catch (const edge::Error& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& text, const std::vector<std::string>& parts) {
  const std::string error = error_of(text);
  ASSERT_FALSE(error.empty()) << text;
  for (const auto& part : parts) EXPECT_NE(error.find(part), std::string::npos) << error;
}

TEST(ModelSpecErrors, NameFileModelLayerAndKey) {
  expect_error("[models.m]\ninput=[4]\nlayers=[{type=\"dense\", units=\"classes\"}]\n[other]\n",
               {"bad.toml", "other", "unknown key"});
  expect_error("[models.m]\ninput=[4]\nlayers=[{type=\"lstm\", units=4}]\n",
               {"bad.toml:3", "models.m.layers[0]", "unknown layer type \"lstm\""});
  expect_error("[models.m]\ninput=[4]\nlayers=[{type=\"dense\", units=0}]\n",
               {"models.m.layers[0].units", "out of range"});
  expect_error("[models.m]\ninput=[4]\nlayers=[{type=\"dense\", unit=4}]\n",
               {"models.m.layers[0]", "units"});
  expect_error("[models.m]\ninput=[4]\nlayers=[{type=\"dense\", units=4, colour=1}]\n",
               {"colour", "unknown key"});
  expect_error("[models.m]\ninput=[4]\nlayers=[{type=\"dropout\", rate=1.5}]\n",
               {"rate", "1.5", "out of range"});
  // A shape that does not fit: 3x3 pooling on a 2x2 image.
  expect_error(
      "[models.m]\ninput=[2,2,1]\nlayers=[{type=\"max_pool2d\", pool=3, name=\"p\"}, "
      "{type=\"flatten\"}, {type=\"dense\", units=\"classes\"}]\n",
      {"bad.toml", "model m", "layer 1 (max_pool2d \"p\")"});
  // The last layer must give one logit per class.
  expect_error("[models.m]\ninput=[4]\nlayers=[{type=\"dense\", units=7}]\n",
               {"model m", "[7]", "expected [3]"});
  expect_error("default=\"zz\"\n[models.m]\ninput=[4]\nlayers=[{type=\"dense\", units=3}]\n",
               {"no model \"zz\"", "models: m"});
  expect_error(
      "[models.m]\ninput=[4]\nlayers=[{type=\"dense\", units=3}]\n[models.m.training]\n"
      "optimiser=\"adam\"\n",
      {"models.m.training.optimiser", "unknown key"});
  expect_error(
      "[models.m]\ninput=[4]\nlayers=[{type=\"dense\", units=3}]\n[models.m.training]\n"
      "optimizer=\"adagrad\"\n",
      {"\"adagrad\" is not one of"});
  expect_error(
      "[models.m]\ninput=[4]\nlayers=[{type=\"dense\", units=3}]\n[models.m.training]\n"
      "patience=3\n",
      {"validation_split"});
  expect_error(
      "[models.m]\ninput=[4]\nlayers=[{type=\"dense\", units=3}]\n[models.m.training]\n"
      "fine_tune_learning_rate=-1\n",
      {"fine_tune_learning_rate", "out of range"});
  expect_error("[models.m]\ninput=[]\nlayers=[{type=\"dense\", units=3}]\n", {"input"});
  expect_error("[models.m]\ninput=[4]\nlayers=[]\n", {"layers"});
  expect_error("default = \"m\"\n", {"no [models.NAME] table"});
  expect_error("[models.m\n", {"bad.toml:1", "not valid TOML"});
  EXPECT_NE(error_of("").find("no [models.NAME]"), std::string::npos);
}

// pretrained = { model, layers }: the path is resolved against the model file's folder, the
// layers must exist once each.
TEST(ModelSpecPretrained, ParsedResolvedAndChecked) {
  const std::string layers =
      "layers=[{type=\"dense\", units=4, name=\"a\"}, {type=\"dense\", units=\"classes\", "
      "name=\"b\"}]\n";
  const auto file = parse_model_text("[models.m]\ninput=[4]\n" + layers +
                                         "pretrained={model=\"models/x.tflite\", layers=[\"a\"]}\n",
                                     "apps/one/model.toml");
  const auto& spec = file.find("m").pretrained;
  EXPECT_EQ(spec.model, "apps/one/models/x.tflite");
  EXPECT_EQ(spec.layers, std::vector<std::string>{"a"});
  EXPECT_TRUE(
      parse_model_text("[models.m]\ninput=[4]\n" + layers, "m.toml").find("m").pretrained.empty());
  const auto absolute = parse_model_text(
      "[models.m]\ninput=[4]\n" + layers + "pretrained={model=\"/abs/x.tflite\", layers=[\"b\"]}\n",
      "apps/one/model.toml");
  EXPECT_EQ(absolute.find("m").pretrained.model, "/abs/x.tflite");

  expect_error("[models.m]\ninput=[4]\n" + layers + "pretrained={layers=[\"a\"]}\n",
               {"bad.toml:4", "models.m.pretrained", "missing key \"model\""});
  expect_error("[models.m]\ninput=[4]\n" + layers + "pretrained={model=\"x.tflite\"}\n",
               {"models.m.pretrained", "\"layers\" must be a non-empty array"});
  expect_error(
      "[models.m]\ninput=[4]\n" + layers + "pretrained={model=\"x.tflite\", layers=[\"c\"]}\n",
      {"models.m.pretrained.layers", "no layer is named \"c\""});
  expect_error("[models.m]\ninput=[4]\n" + layers +
                   "pretrained={model=\"x.tflite\", layers=[\"a\", \"a\"]}\n",
               {"\"a\" is listed twice"});
  expect_error("[models.m]\ninput=[4]\n" + layers +
                   "pretrained={model=\"x.tflite\", layers=[\"a\"], freeze=true}\n",
               {"models.m.pretrained.freeze", "unknown key"});
  expect_error("[models.m]\ninput=[4]\n" + layers + "pretrained=\"x.tflite\"\n",
               {"models.m.pretrained", "expected a table"});
}

// Validation by recording, label smoothing and weight averaging: parsed, and refused when
// they cannot work, naming the key.
TEST(ModelSpecSettings, RecordingsSmoothingAndAveraging) {
  const std::string head =
      "[models.m]\ninput=[4]\nlayers=[{type=\"dense\", units=3}]\n[models.m.training]\n";
  const ModelFile file = parse_model_text(head +
                                              "validation_split=0.1\n"
                                              "validation_groups='^([0-9]+)-'\n"
                                              "label_smoothing=0.1\nema_momentum=0.995\n",
                                          "m.toml");
  const TrainingSpec& s = file.find("m").training;
  EXPECT_EQ(s.validation_groups, "^([0-9]+)-");
  EXPECT_FLOAT_EQ(s.label_smoothing, 0.1f);
  EXPECT_FLOAT_EQ(s.ema_momentum, 0.995f);
  const TrainingSpec plain = parse_model_text(head, "m.toml").find("m").training;
  EXPECT_EQ(plain.validation_groups, "");
  EXPECT_EQ(plain.label_smoothing, 0.0f);
  EXPECT_EQ(plain.ema_momentum, 0.0f);

  expect_error(head + "validation_split=0.1\nvalidation_groups='([0-9]+'\n",
               {"models.m.training.validation_groups", "\"([0-9]+\" is not a usable regular"});
  expect_error(head + "validation_split=0.1\nvalidation_groups='^[0-9]+-'\n",
               {"validation_groups", "no capture group"});
  expect_error(head + "validation_groups='^([0-9]+)-'\n",
               {"validation_groups", "needs validation_split > 0"});
  expect_error(head + "label_smoothing=1\n", {"label_smoothing", "out of range [0, 1)"});
  expect_error(head + "ema_momentum=-0.5\n", {"ema_momentum", "out of range"});
  expect_error(head + "ema_momentum=1\n", {"ema_momentum", "out of range"});
}

TEST(ModelSpecErrors, MissingFile) {
  try {
    parse_model_file("/nonexistent/model.toml");
    FAIL();
  } catch (const edge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.toml"), std::string::npos);
  }
}

// --set KEY=VALUE over one model's training table.
TEST(ModelSpecSettings, OverrideTheTrainingTableOfOneModel) {
  const std::string text = R"(
default = "b"
[models.a]
input = [4]
layers = [{ type = "dense", units = "classes" }]
[models.b]
input = [4]
layers = [{ type = "dense", units = "classes" }]
[models.b.training]
learning_rate = 0.003
epochs = 80
augment = { type = "log-mel", time_shift = 2, mixup = 0.2 }
)";
  const ModelFile file =
      parse_model_text(text, "m.toml",
                       {"",
                        {"learning_rate=0.005", "schedule=one-cycle", "augment.mixup=0.5",
                         "augment.freq_shift = 1", "epochs=60", "epochs=70"}});
  const TrainingSpec& b = file.find("b").training;
  EXPECT_FLOAT_EQ(b.learning_rate, 0.005f);
  EXPECT_EQ(b.schedule, "one-cycle");  // a bare word is a string
  EXPECT_EQ(b.epochs, 70);             // the later setting wins
  EXPECT_FLOAT_EQ(b.log_mel_augment.mixup, 0.5f);
  EXPECT_EQ(b.log_mel_augment.freq_shift, 1);
  EXPECT_EQ(b.log_mel_augment.time_shift, 2);  // the augment table's other keys are kept
  // Only the default model is changed; a model without a training table gets one.
  EXPECT_FLOAT_EQ(file.find("a").training.learning_rate, 0.001f);
  const ModelFile named = parse_model_text(text, "m.toml", {"a", {"epochs=3"}});
  EXPECT_EQ(named.find("a").training.epochs, 3);
  EXPECT_EQ(named.find("b").training.epochs, 80);

  auto error = [&](const std::string& setting) -> std::string {
    try {
      parse_model_text(text, "m.toml", {"", {setting}});
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  // Checked as the file's own values, named by the option.
  EXPECT_NE(
      error("augment.mixup=-1").find("--set augment.mixup=-1: models.b.training.augment.mixup"),
      std::string::npos)
      << error("augment.mixup=-1");
  EXPECT_NE(error("lerning_rate=0.1")
                .find("--set lerning_rate=0.1: models.b.training.lerning_rate: "
                      "unknown key"),
            std::string::npos)
      << error("lerning_rate=0.1");
  EXPECT_NE(
      error("schedule=cosine-ish").find("--set schedule=cosine-ish: models.b.training.schedule"),
      std::string::npos)
      << error("schedule=cosine-ish");
  EXPECT_NE(error("epochs").find("--set epochs: expected KEY=VALUE"), std::string::npos);
  EXPECT_NE(error("=3").find("expected KEY=VALUE"), std::string::npos);
  EXPECT_NE(error("epochs=3\nseed=2").find("control character"), std::string::npos);
  EXPECT_NE(error("a b=3").find("\"a b\" is not a key"), std::string::npos);
  // Checked together: either setting alone breaks "patience needs validation_split", both are
  // fine; a combination that fails only together names every setting.
  const std::string early = R"(
[models.m]
input = [4]
layers = [{ type = "dense", units = "classes" }]
[models.m.training]
validation_split = 0.1
patience = 8
)";
  const TrainingSpec none =
      parse_model_text(early, "e.toml", {"", {"validation_split=0", "patience=0"}})
          .find("m")
          .training;
  EXPECT_EQ(none.patience, 0);
  EXPECT_EQ(none.validation_split, 0.0);
  try {
    parse_model_text(early, "e.toml", {"", {"validation_split=0"}});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--set validation_split=0: models.m.training: patience"),
              std::string::npos)
        << e.what();
  }
  try {
    parse_model_text(early, "e.toml", {"", {"patience=3", "validation_split=0"}});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--set validation_split=0: "), std::string::npos)
        << e.what();
  }
  const std::string no_early = R"(
[models.m]
input = [4]
layers = [{ type = "dense", units = "classes" }]
[models.m.training]
validation_split = 0.1
)";
  try {
    parse_model_text(no_early, "e.toml", {"", {"validation_split=0", "patience=3"}});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "--set validation_split=0 --set patience=3: models.m.training: patience"),
              std::string::npos)
        << e.what();
  }
  // The model named must exist.
  try {
    parse_model_text(text, "m.toml", {"nope", {"epochs=3"}});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no model \"nope\""), std::string::npos) << e.what();
  }
}

}  // namespace
