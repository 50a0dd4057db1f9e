// Mini-batch training of a Model with softmax cross-entropy.
//
// Determinism: for a given seed, shard count and data, fit() produces the
// same weights bit for bit whatever `threads` is. Each batch is cut into
// `shards` contiguous slices (fewer when the batch is smaller); slice s runs
// forward and backward on its own model replica, and the replicas' gradients
// are summed into the model's in slice order 0, 1, ... before the optimizer
// step. Threads only decide which slices run concurrently. Shuffling uses
// Rng(mix_seed(seed, epoch)); dropout masks use mix_seed(seed, step*shards +
// slice) mixed with the layer index. Changing `shards` changes the arithmetic
// (summation order, BatchNorm ghost batches), not the maths.
//
// Batch normalization (a layer with uses_batch_statistics()): batch_size 1 is
// refused at construction, a batch of n samples is cut into at most n / 2
// shards (no ghost batch of one sample), and fit() leaves out an epoch's last
// batch when it holds a single sample.
//
// Loss: mean softmax cross-entropy over the batch; reported epoch loss and
// accuracy are means over the epoch's batches as they were trained (as Keras
// reports them). A non-finite loss stops training with an edge::Error naming
// the epoch and step.
//
// Early stopping (Keras EarlyStopping on val_loss): an epoch improves when
// val_loss < best - min_delta; training stops after `patience` epochs without
// improvement; with restore_best_weights the best epoch's parameter values
// (including BatchNorm statistics) are restored at the end.
//
// Subnormal floats are flushed to zero during training steps (denormal.h).
//
// Memory: after the first step the training loop does not allocate (batch
// buffers, activations and optimizer slots are reused; test_train_model
// counts operator new calls to check it).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include "train/audio_augment.h"
#include "train/augment.h"
#include "train/model.h"
#include "train/optimizer.h"
#include "train/worker_pool.h"

namespace edge::train {

// Samples and their class indices: x is [N] + sample shape, labels has N entries.
struct Dataset {
  Tensor x;
  std::vector<int32_t> labels;
  int size() const { return x.rank() == 0 ? 0 : x.dim(0); }
};

// A new dataset holding the samples at `indices` (in that order).
Dataset subset(const Dataset& data, const std::vector<int>& indices);

// The model's logits [N, classes] for every sample of `data`, in inference mode (a
// teacher's targets for distillation). Throws edge::Error for samples of the wrong shape.
Tensor predict_logits(Model& model, const Dataset& data, int batch_size = 256);

struct EarlyStopping {
  int patience = 0;  // 0 disables early stopping
  float min_delta = 0.0f;
  bool restore_best_weights = true;
};

struct FitOptions {
  int epochs = 1;
  int batch_size = 32;
  bool shuffle = true;
  uint64_t seed = 1;
  int threads = 1;  // does not change results
  int shards = 2;   // data-parallel slices per batch (changes summation order)
  // Learning rate per step; null uses the optimizer's own rate. Not owned.
  const LrSchedule* schedule = nullptr;
  EarlyStopping early_stopping;
  // Knowledge distillation (loss.h distillation_cross_entropy) when teacher_logits is set:
  // row i holds the teacher's logits for sample i of the dataset given to fit() or
  // train_step() ([N, classes]; not owned). The loss mixes the labels' cross-entropy with
  // the teacher's softened outputs by `weight`.
  struct Distillation {
    const Tensor* teacher_logits = nullptr;
    float weight = 0.5f;
    float temperature = 2.0f;
  } distillation;
  // Augmentation of the training samples as each batch is drawn (augment.h); the draws are
  // seeded by mix_seed(seed + 0xA06, step * shards + slice), so threads change nothing.
  // Validation and evaluation data are never augmented.
  ImuAugmentation augmentation;
  // Log-mel augmentation (audio_augment.h), seeded the same way after the IMU one. Samples are
  // read as frames (the model input's first axis) x the rest. With mixup, each sample of a
  // shard is mixed with a random sample of the same shard and the loss takes the mixed
  // one-hot targets (loss.h soft_target_cross_entropy); mixup cannot combine with
  // distillation.
  LogMelAugmentation log_mel;
  // Label smoothing in [0, 1): the loss takes (1 - e) * target + e / classes for one-hot and
  // mixup targets alike (Szegedy et al. 2016); 0 is plain cross-entropy. Not with distillation.
  float label_smoothing = 0.0f;
  // Weight averaging in [0, 1): after every step each trainable parameter's average moves
  // toward it, avg = m * avg + (1 - m) * value (the first step copies it; Keras' use_ema).
  // Validation, early stopping and the model fit() returns use the averaged weights, with
  // BatchNorm statistics recomputed for them; training itself goes on from the raw ones.
  float ema_momentum = 0.0f;
  // Called after each epoch (e.g. to print progress).
  std::function<void(int epoch, double loss, double accuracy, double val_loss, double val_accuracy)>
      on_epoch;
};

struct EpochLog {
  double loss = 0.0, accuracy = 0.0;
  // NaN without validation data.
  double val_loss = std::numeric_limits<double>::quiet_NaN();
  double val_accuracy = std::numeric_limits<double>::quiet_NaN();
  float learning_rate = 0.0f;  // of the epoch's last step
};

struct History {
  std::vector<EpochLog> epochs;
  int best_epoch = -1;  // lowest val_loss (early stopping), -1 without validation
  bool stopped_early = false;
};

struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;
  int samples = 0;
};

class Trainer {
 public:
  // The model must be built and initialized; model and optimizer must outlive
  // the Trainer. Throws edge::Error for invalid options.
  Trainer(Model& model, Optimizer& optimizer, const FitOptions& options);
  ~Trainer();

  History fit(const Dataset& train, const Dataset* validation = nullptr);
  // Mean loss and accuracy in inference mode.
  Evaluation evaluate(const Dataset& data, int batch_size = 256);
  // Batch normalization: replaces every BatchNorm's running statistics by the mean and
  // variance of its input over all of `data` under the current weights (training-mode
  // forward passes, no weight change; "precise BN"). fit() does it before each validation
  // and at the end: a moving average with momentum 0.99 started at mean 0, variance 1 is
  // still far from the data after the few hundred steps of a small dataset (the magic-wand
  // conv net scored 0.39 in inference on its own 0.89-accuracy training data). No-op
  // without BatchNorm.
  void recompute_statistics(const Dataset& data);
  // Predicted class (argmax of the logits) per sample.
  std::vector<int32_t> predict(const Dataset& data, int batch_size = 256);

  // One optimizer step on data samples indices[0..count); returns the summed
  // loss of those samples. `step` is the global step (schedule, dropout seed).
  double train_step(const Dataset& data, const int* indices, int count, int64_t step,
                    int* correct = nullptr);

 private:
  void check_dataset(const Dataset& data, const char* what) const;
  void run_shard(int shard, const Dataset& data, const int* indices, int count, int64_t step);

  Model& model_;
  Optimizer& optimizer_;
  FitOptions options_;
  WorkerPool pool_;
  std::vector<std::unique_ptr<Model>> replicas_;  // shards 1..S-1 (shard 0 is model_)
  std::vector<std::vector<Param*>> shard_params_;
  struct ShardState {
    Tensor x, grad;
    Shape shape;
    std::vector<int32_t> labels;
    Tensor teacher;                 // the shard's rows of the teacher's logits (distillation)
    Tensor unmixed;                 // mixup: the shard's samples before mixing
    Tensor targets;                 // mixup: [n, classes] mixed one-hot targets
    std::vector<float> band_stats;  // Freq-MixStyle: per-band means and deviations
    double loss = 0.0;
    int correct = 0;
    int begin = 0, end = 0;
  };
  std::vector<ShardState> shards_;
  struct StepArgs {
    const Dataset* data = nullptr;
    const int* indices = nullptr;
    int count = 0;
    int64_t step = 0;
  } step_;
  int64_t frames_ = 0, bands_ = 0;  // log-mel augmentation: a sample is frames_ x bands_
  bool batch_statistics_ = false;   // the model has a BatchNorm (2+ samples per shard)
  std::vector<int> order_;
  std::vector<float> best_values_;
  // Weight averaging: the averages of parameters() in order (empty for frozen ones), and the
  // raw values put aside while the averages are in the model.
  std::vector<Tensor> averages_;
  std::vector<float> raw_values_;
  bool averaged_ = false;
  void update_averages();
  void swap_in_averages(const Dataset& train);
  void swap_out_averages();
  Tensor eval_x_;
};

}  // namespace edge::train
