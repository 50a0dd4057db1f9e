// edgestream-train-gesture: the paper's experiment on its punch/flex
// recordings. k-fold cross-validation over recordings (stratified, seeded) of
// the 180-50-15-N dense network trained with RMSprop; prints per-fold and mean
// test accuracy. The `edgestream train` command of a later issue reuses the
// same core API (tools/experiments/gesture_experiment.h).
//
//   edgestream-train-gesture [--data DIR] [--folds 5] [--epochs 600]
//       [--batch-size 1] [--learning-rate 0.001] [--seed 1] [--threads 1]
//       [--folds-to-run K]
// DIR holds one CSV per class: punch.csv and flex.csv by default
// (datasets/gesture-punch-flex); --class NAME=FILE (repeatable) names others.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "tools/experiments/gesture_experiment.h"

namespace {

void usage(FILE* out) {
  std::fprintf(out,
               "usage: edgestream-train-gesture [--data DIR] [--class NAME=FILE]...\n"
               "         [--folds N] [--folds-to-run K] [--epochs N] [--batch-size N]\n"
               "         [--learning-rate LR] [--seed S] [--threads T]\n"
               "Runs stratified k-fold cross-validation over gesture recordings with the\n"
               "paper's 180-50-15-N dense network and RMSprop; prints per-fold and mean\n"
               "test accuracy. Default data: datasets/gesture-punch-flex/{punch,flex}.csv.\n");
}

long parse_long(const char* option, const char* text, long min, long max) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (!*text || *end || value < min || value > max)
    throw edge::Error(
        edge::msg(option, ": expected an integer in [", min, ", ", max, "], got '", text, "'"));
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string dir = "datasets/gesture-punch-flex";
    std::vector<edge::train::GestureClassFile> classes;
    edge::train::CrossValidationOptions options;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "-h" || arg == "--help") {
        usage(stdout);
        return 0;
      }
      if (i + 1 >= argc) {
        std::fprintf(stderr, "edgestream-train-gesture: %s needs a value\n", arg.c_str());
        usage(stderr);
        return 2;
      }
      const char* value = argv[++i];
      if (arg == "--data") {
        dir = value;
      } else if (arg == "--class") {
        const char* eq = std::strchr(value, '=');
        if (!eq || eq == value || !eq[1])
          throw edge::Error(edge::msg("--class: expected NAME=FILE, got '", value, "'"));
        classes.push_back({std::string(value, eq), eq + 1});
      } else if (arg == "--folds") {
        options.folds = int(parse_long("--folds", value, 2, 1000));
      } else if (arg == "--folds-to-run") {
        options.folds_to_run = int(parse_long("--folds-to-run", value, 1, 1000));
      } else if (arg == "--epochs") {
        options.epochs = int(parse_long("--epochs", value, 1, 1000000));
      } else if (arg == "--batch-size") {
        options.batch_size = int(parse_long("--batch-size", value, 1, 1000000));
      } else if (arg == "--seed") {
        options.seed = uint64_t(parse_long("--seed", value, 0, 2147483647));
      } else if (arg == "--threads") {
        options.threads = int(parse_long("--threads", value, 1, 64));
      } else if (arg == "--learning-rate") {
        char* end = nullptr;
        const float lr = std::strtof(value, &end);
        if (!*value || *end || !(lr > 0.0f) || lr > 10.0f)
          throw edge::Error(
              edge::msg("--learning-rate: expected a number in (0, 10], got '", value, "'"));
        options.learning_rate = lr;
      } else {
        std::fprintf(stderr, "edgestream-train-gesture: unknown option %s\n", arg.c_str());
        usage(stderr);
        return 2;
      }
    }
    if (classes.empty()) classes = {{"punch", dir + "/punch.csv"}, {"flex", dir + "/flex.csv"}};

    const edge::train::GestureData data = edge::train::load_gesture_classes(classes, 30);
    std::printf("data: %d recordings (", data.data.size());
    for (size_t c = 0; c < classes.size(); ++c) {
      int count = 0;
      for (int32_t label : data.data.labels) count += label == int32_t(c);
      std::printf("%s%s %d", c ? ", " : "", classes[c].name.c_str(), count);
    }
    std::printf("), %lld features\n", static_cast<long long>(data.data.x.inner_size()));
    std::printf(
        "model: dense %lld-50-15-%zu ReLU, softmax cross-entropy, RMSprop lr %g, "
        "%d epochs, batch %d, seed %llu, %d-fold stratified CV over recordings\n",
        static_cast<long long>(data.data.x.inner_size()), classes.size(),
        double(options.learning_rate), options.epochs, options.batch_size,
        static_cast<unsigned long long>(options.seed), options.folds);
    std::fflush(stdout);
    const edge::train::CrossValidationResult result =
        edge::train::cross_validate_gesture(data, options);
    for (size_t f = 0; f < result.folds.size(); ++f) {
      const edge::train::FoldResult& r = result.folds[f];
      std::printf(
          "fold %zu: train %d, test %d, train accuracy %.2f %%, test accuracy %.2f %% "
          "(%d/%d), test loss %.4f, %.2f s\n",
          f + 1, r.train_samples, r.test_samples, 100.0 * r.train_accuracy, 100.0 * r.test_accuracy,
          int(r.test_accuracy * r.test_samples + 0.5), r.test_samples, r.test_loss, r.seconds);
    }
    std::printf("mean test accuracy over %zu folds: %.2f %%\n", result.folds.size(),
                100.0 * result.mean_accuracy);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edgestream-train-gesture: %s\n", e.what());
    return 1;
  }
}
