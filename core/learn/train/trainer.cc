#include "train/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "train/denormal.h"
#include "train/loss.h"

namespace edge::train {
namespace {

// Copies sample `index` of `from` to row `row` of `to`.
void copy_sample(const Tensor& from, int64_t index, Tensor* to, int64_t row) {
  const int64_t n = from.inner_size();
  std::memcpy(to->data() + row * n, from.data() + index * n, sizeof(float) * size_t(n));
}

// Samples of `data` must have the model's input shape; `what` names the data.
void check_sample_shape(const Model& model, const Dataset& data, const char* what) {
  const Shape& expected = model.input_shape();
  const Shape& got = data.x.shape();
  if (got.size() != expected.size() + 1 ||
      !std::equal(expected.begin(), expected.end(), got.begin() + 1))
    throw Error(msg(what, " data: samples must be ", shape_to_string(expected),
                    " (the model input), got x of shape ", shape_to_string(got)));
}

// Rows [begin, begin + count) of the samples `x` into `batch` (resized).
void copy_batch(const Tensor& x, int begin, int count, Tensor* batch) {
  Shape shape = x.shape();
  shape[0] = count;
  batch->resize(shape);
  std::memcpy(batch->data(), x.data() + int64_t(begin) * x.inner_size(),
              sizeof(float) * size_t(batch->size()));
}

}  // namespace

Dataset subset(const Dataset& data, const std::vector<int>& indices) {
  Dataset out;
  Shape shape = data.x.shape();
  shape[0] = int(indices.size());
  out.x.resize(shape);
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] < 0 || indices[i] >= data.size())
      throw Error(msg("subset: index ", indices[i], " out of range (", data.size(), " samples)"));
    copy_sample(data.x, indices[i], &out.x, int64_t(i));
    out.labels.push_back(data.labels[size_t(indices[i])]);
  }
  return out;
}

Trainer::Trainer(Model& model, Optimizer& optimizer, const FitOptions& options)
    : model_(model), optimizer_(optimizer), options_(options), pool_(std::max(options.threads, 1)) {
  if (options.epochs < 1) throw Error(msg("training: epochs must be >= 1, got ", options.epochs));
  if (options.batch_size < 1)
    throw Error(msg("training: batch_size must be >= 1, got ", options.batch_size));
  if (options.threads < 1)
    throw Error(msg("training: threads must be >= 1, got ", options.threads));
  if (options.shards < 1 || options.shards > 64)
    throw Error(msg("training: shards must be in [1, 64], got ", options.shards));
  if (options.early_stopping.patience < 0)
    throw Error(msg("training: early-stopping patience must be >= 0, got ",
                    options.early_stopping.patience));
  for (size_t i = 0; i < model_.num_layers(); ++i)
    if (model_.layer(i).uses_batch_statistics()) {
      if (options.batch_size < 2)
        throw Error(msg("training: batch_size ", options.batch_size, " cannot train ",
                        model_.layer(i).kind(), " layer '", model_.layer(i).name(),
                        "': batch normalization needs at least 2 samples per batch (its "
                        "variance over one sample is 0, or one sample's own statistics, "
                        "which inference never sees); use batch_size >= 2 (e.g. 8 or 16)"));
      batch_statistics_ = true;
    }
  if (options.augmentation.enabled()) {
    int64_t elements = 1;
    for (int d : model_.input_shape()) elements *= d;
    options.augmentation.check(elements);
  }
  if (options.log_mel.enabled()) {
    const Shape& input = model_.input_shape();
    int64_t elements = 1;
    for (int d : input) elements *= d;
    frames_ = input.empty() ? 0 : input[0];
    bands_ = frames_ > 0 ? elements / frames_ : 0;
    options.log_mel.check(frames_, bands_);
    if (options.log_mel.mixup > 0.0f && options.distillation.teacher_logits)
      throw Error("training: mixup cannot combine with distillation (both replace the targets)");
  }
  if (!(options.label_smoothing >= 0.0f && options.label_smoothing < 1.0f))
    throw Error(msg("training: label_smoothing must be in [0, 1), got ", options.label_smoothing));
  if (options.label_smoothing > 0.0f && options.distillation.teacher_logits)
    throw Error(
        "training: label smoothing cannot combine with distillation (the teacher's "
        "soft outputs already replace hard targets)");
  if (!(options.ema_momentum >= 0.0f && options.ema_momentum < 1.0f))
    throw Error(msg("training: ema_momentum must be in [0, 1), got ", options.ema_momentum));
  shards_.resize(size_t(options.shards));
  shard_params_.push_back(model_.parameters());
  for (int s = 1; s < options.shards; ++s) {
    replicas_.push_back(model_.replica());
    shard_params_.push_back(replicas_.back()->parameters());
  }
}

Trainer::~Trainer() = default;

void Trainer::check_dataset(const Dataset& data, const char* what) const {
  check_sample_shape(model_, data, what);
  if (size_t(data.size()) != data.labels.size())
    throw Error(msg(what, " data: ", data.size(), " samples but ", data.labels.size(), " labels"));
  if (data.size() == 0) throw Error(msg(what, " data is empty"));
  const int64_t per_sample = data.x.inner_size();
  for (int64_t i = 0; i < data.x.size(); ++i)
    if (!std::isfinite(data.x[i]))
      throw Error(msg(what, " data: sample ", i / per_sample, " has a non-finite value (",
                      data.x[i], ") at element ", i % per_sample));
  const Shape& out = model_.output_shape();
  if (out.size() != 1)
    throw Error(
        msg("training: the model output must be [classes] per sample, got ", shape_to_string(out)));
  for (size_t i = 0; i < data.labels.size(); ++i)
    if (data.labels[i] < 0 || data.labels[i] >= out[0])
      throw Error(msg(what, " data: label of sample ", i, " is ", data.labels[i],
                      ", expected a class index in [0, ", out[0], ")"));
}

void Trainer::run_shard(int s, const Dataset& data, const int* indices, int count, int64_t step) {
  ScopedFlushDenormals flush;  // this may be a pool thread
  ShardState& shard = shards_[size_t(s)];
  Model& model = s == 0 ? model_ : *replicas_[size_t(s - 1)];
  model.zero_grad();
  const int n = shard.end - shard.begin;
  shard.shape = data.x.shape();  // assignment reuses the storage
  shard.shape[0] = n;
  shard.x.resize(shard.shape);
  shard.labels.resize(size_t(n));
  for (int i = 0; i < n; ++i) {
    const int index = indices[shard.begin + i];
    copy_sample(data.x, index, &shard.x, i);
    shard.labels[size_t(i)] = data.labels[size_t(index)];
  }
  if (options_.augmentation.enabled()) {
    Rng rng(
        mix_seed(options_.seed + 0xA06, uint64_t(step) * uint64_t(options_.shards) + uint64_t(s)));
    const int64_t per_sample = shard.x.inner_size();
    for (int i = 0; i < n; ++i)
      options_.augmentation.apply(shard.x.data() + i * per_sample, per_sample, rng);
  }
  const LogMelAugmentation& log_mel = options_.log_mel;
  const bool mixup = log_mel.mixup > 0.0f;
  if (log_mel.enabled()) {
    Rng rng(mix_seed(options_.seed + 0xA0D10,
                     uint64_t(step) * uint64_t(options_.shards) + uint64_t(s)));
    const int64_t per_sample = shard.x.inner_size();
    if (log_mel.per_sample())
      for (int i = 0; i < n; ++i)
        log_mel.apply(shard.x.data() + i * per_sample, frames_, bands_, rng);
    // Drawn only when set, so that settings without it draw as before.
    if (log_mel.freq_mixstyle > 0.0f && rng.uniform() < double(log_mel.freq_mixstyle)) {
      shard.band_stats.resize(size_t(2 * n * bands_));
      freq_mix_style(shard.x.data(), n, frames_, bands_, log_mel.freq_mixstyle_alpha, rng,
                     shard.band_stats.data());
    }
    if (mixup) {
      const int k = model.output_shape()[0];
      shard.unmixed.resize(shard.shape);
      shard.targets.resize({n, k});
      mix_up(shard.x.data(), shard.labels.data(), n, per_sample, k, log_mel.mixup, rng,
             shard.unmixed.data(), shard.targets.data());
    }
  }
  const FitOptions::Distillation& distill = options_.distillation;
  if (distill.teacher_logits) {
    const Tensor& teacher = *distill.teacher_logits;
    const int k = teacher.dim(1);
    shard.teacher.resize({n, k});
    for (int i = 0; i < n; ++i) copy_sample(teacher, indices[shard.begin + i], &shard.teacher, i);
  }
  Context ctx;
  ctx.training = true;
  ctx.seed = mix_seed(options_.seed, uint64_t(step) * uint64_t(options_.shards) + uint64_t(s));
  ctx.shard_weight = float(n) / float(count);
  const float smoothing = options_.label_smoothing;
  const bool soft_targets = mixup || smoothing > 0.0f;
  if (soft_targets) {
    const int k = model.output_shape()[0];
    if (!mixup) {  // one-hot
      shard.targets.resize({n, k});
      shard.targets.set_zero();
      for (int i = 0; i < n; ++i) shard.targets.data()[i * k + shard.labels[size_t(i)]] = 1.0f;
    }
    if (smoothing > 0.0f) {
      const float floor = smoothing / float(k);
      for (int64_t i = 0; i < shard.targets.size(); ++i)
        shard.targets[i] = (1.0f - smoothing) * shard.targets[i] + floor;
    }
  }
  const Tensor& logits = model.forward(shard.x, ctx);
  const LossResult loss =
      soft_targets
          ? soft_target_cross_entropy(logits, shard.targets, 1.0f / float(count), &shard.grad)
      : distill.teacher_logits
          ? distillation_cross_entropy(logits, shard.labels.data(), shard.teacher.data(),
                                       distill.weight, distill.temperature, 1.0f / float(count),
                                       &shard.grad)
          : softmax_cross_entropy(logits, shard.labels.data(), 1.0f / float(count), &shard.grad);
  shard.loss = loss.loss_sum;
  shard.correct = loss.correct;
  model.backward(shard.grad, nullptr);
}

double Trainer::train_step(const Dataset& data, const int* indices, int count, int64_t step,
                           int* correct) {
  if (count < 1) throw Error("train_step: empty batch");
  if (const Tensor* teacher = options_.distillation.teacher_logits) {
    const Shape& out = model_.output_shape();
    if (teacher->rank() != 2 || teacher->dim(0) != data.size() || out.size() != 1 ||
        teacher->dim(1) != out[0])
      throw Error(msg("distillation: the teacher's logits are ", shape_to_string(teacher->shape()),
                      ", expected [", data.size(), ", ", out.empty() ? 0 : out[0],
                      "] (one row of class logits per training sample)"));
  }
  if (batch_statistics_ && count < 2)
    throw Error("train_step: batch normalization needs a batch of at least 2 samples");
  ScopedFlushDenormals flush;
  // Batch normalization: no shard (ghost batch) of a single sample.
  const int used = std::min(options_.shards, batch_statistics_ ? count / 2 : count);
  for (int s = 0; s < used; ++s) {
    shards_[size_t(s)].begin = int(int64_t(count) * s / used);
    shards_[size_t(s)].end = int(int64_t(count) * (s + 1) / used);
  }
  // The task captures only `this` so std::function needs no allocation.
  step_ = StepArgs{&data, indices, count, step};
  pool_.run(used,
            [this](int s) { run_shard(s, *step_.data, step_.indices, step_.count, step_.step); });
  // Fixed-order reduction: identical sums whatever ran where.
  std::vector<Param*>& master = shard_params_[0];
  for (int s = 1; s < used; ++s) {
    const std::vector<Param*>& other = shard_params_[size_t(s)];
    for (size_t i = 0; i < master.size(); ++i) master[i]->grad.vector() += other[i]->grad.vector();
  }
  double loss = 0.0;
  int right = 0;
  for (int s = 0; s < used; ++s) {
    loss += shards_[size_t(s)].loss;
    right += shards_[size_t(s)].correct;
  }
  if (!std::isfinite(loss))
    throw Error(msg("training diverged at step ", step, ": the loss is ", loss,
                    " (lower the learning rate or check the inputs for NaN/Inf)"));
  model_.apply_statistics();
  const float lr = options_.schedule ? options_.schedule->at(step) : optimizer_.learning_rate();
  optimizer_.step(master, lr);
  if (options_.ema_momentum > 0.0f) update_averages();
  if (correct) *correct = right;
  return loss;
}

History Trainer::fit(const Dataset& train, const Dataset* validation) {
  check_dataset(train, "training");
  if (validation) check_dataset(*validation, "validation");
  const EarlyStopping& stopping = options_.early_stopping;
  if (stopping.patience > 0 && !validation)
    throw Error("training: early stopping monitors the validation loss; give validation data");

  History history;
  const int n = train.size();
  order_.resize(size_t(n));
  const int64_t batches = (n + options_.batch_size - 1) / options_.batch_size;
  double best_loss = std::numeric_limits<double>::infinity();
  int wait = 0;
  for (int epoch = 0; epoch < options_.epochs; ++epoch) {
    std::iota(order_.begin(), order_.end(), 0);
    if (options_.shuffle) {
      Rng rng(mix_seed(options_.seed, uint64_t(epoch) + 0x5EED));
      for (int i = n - 1; i > 0; --i)
        std::swap(order_[size_t(i)], order_[rng.below(uint64_t(i) + 1)]);
    }
    EpochLog log;
    double loss_sum = 0.0;
    int64_t correct = 0;
    int trained = 0;
    for (int64_t b = 0; b < batches; ++b) {
      const int begin = int(b * options_.batch_size);
      const int count = std::min(options_.batch_size, n - begin);
      // With batch normalization a last batch of one sample is left out (drop_last; the
      // order is reshuffled every epoch, so a different sample each time).
      if (batch_statistics_ && count < 2) continue;
      trained += count;
      const int64_t step = int64_t(epoch) * batches + b;
      int right = 0;
      try {
        loss_sum += train_step(train, order_.data() + begin, count, step, &right);
      } catch (const Error& e) {
        throw Error(msg("epoch ", epoch + 1, ": ", e.what()));
      }
      correct += right;
      log.learning_rate =
          options_.schedule ? options_.schedule->at(step) : optimizer_.learning_rate();
    }
    log.loss = loss_sum / std::max(trained, 1);
    log.accuracy = double(correct) / std::max(trained, 1);
    if (validation) {
      swap_in_averages(train);  // or recompute the statistics of the raw weights
      const Evaluation eval = evaluate(*validation);
      log.val_loss = eval.loss;
      log.val_accuracy = eval.accuracy;
    }
    history.epochs.push_back(log);
    if (options_.on_epoch)
      options_.on_epoch(epoch, log.loss, log.accuracy, log.val_loss, log.val_accuracy);
    if (validation) {
      if (log.val_loss < best_loss - stopping.min_delta) {
        best_loss = log.val_loss;
        history.best_epoch = epoch;
        wait = 0;
        if (stopping.patience > 0 && stopping.restore_best_weights)
          model_.save_values(&best_values_);  // the averages when averaging
      } else if (stopping.patience > 0 && ++wait >= stopping.patience) {
        history.stopped_early = true;
      }
      swap_out_averages();
      if (history.stopped_early) break;
    }
  }
  if (stopping.patience > 0 && stopping.restore_best_weights && history.best_epoch >= 0) {
    model_.load_values(best_values_);  // statistics recomputed at that epoch
  } else {
    swap_in_averages(train);
    averaged_ = false;  // the averages stay: they are the result
  }
  averages_.clear();
  return history;
}

void Trainer::update_averages() {
  const std::vector<Param*>& params = shard_params_[0];
  if (averages_.empty()) {  // the first step copies
    averages_.resize(params.size());
    for (size_t i = 0; i < params.size(); ++i)
      if (params[i]->trainable) averages_[i] = *params[i]->value;
    return;
  }
  const float m = options_.ema_momentum;
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i]->trainable)
      averages_[i].vector() = m * averages_[i].vector() + (1.0f - m) * params[i]->value->vector();
}

void Trainer::swap_in_averages(const Dataset& train) {
  if (!averages_.empty()) {
    model_.save_values(&raw_values_);
    const std::vector<Param*>& params = shard_params_[0];
    for (size_t i = 0; i < params.size(); ++i)
      if (params[i]->trainable) *params[i]->value = averages_[i];
    averaged_ = true;
  }
  recompute_statistics(train);
}

void Trainer::swap_out_averages() {
  if (!averaged_) return;
  model_.load_values(raw_values_);
  averaged_ = false;
}

void Trainer::recompute_statistics(const Dataset& data) {
  if (!batch_statistics_ || data.size() == 0) return;
  ScopedFlushDenormals flush;
  model_.zero_grad();
  const int n = data.size();
  // Each batch adds its statistics weighted by its share of the data (batchnorm.h: the
  // slots sum to the statistics of everything seen); a last batch of one sample is left out.
  const int covered = n < 2 ? 0 : n - ((n % options_.batch_size) == 1 ? 1 : 0);
  if (covered == 0) return;
  Context ctx;
  ctx.training = true;
  for (int begin = 0; begin < covered; begin += options_.batch_size) {
    const int count = std::min(options_.batch_size, covered - begin);
    copy_batch(data.x, begin, count, &eval_x_);
    ctx.seed = mix_seed(options_.seed + 0xB7, uint64_t(begin));
    ctx.shard_weight = float(count) / float(covered);
    model_.forward(eval_x_, ctx);
  }
  model_.take_statistics();
  model_.zero_grad();
}

Evaluation Trainer::evaluate(const Dataset& data, int batch_size) {
  check_dataset(data, "evaluation");
  if (batch_size < 1) throw Error(msg("evaluate: batch_size must be >= 1, got ", batch_size));
  Evaluation result;
  Context ctx;  // inference
  const int n = data.size();
  for (int begin = 0; begin < n; begin += batch_size) {
    const int count = std::min(batch_size, n - begin);
    copy_batch(data.x, begin, count, &eval_x_);
    const Tensor& logits = model_.forward(eval_x_, ctx);
    const LossResult loss =
        softmax_cross_entropy(logits, data.labels.data() + begin, 1.0f, nullptr);
    result.loss += loss.loss_sum;
    result.accuracy += loss.correct;
  }
  result.samples = n;
  result.loss /= n;
  result.accuracy /= n;
  return result;
}

std::vector<int32_t> Trainer::predict(const Dataset& data, int batch_size) {
  check_dataset(data, "prediction");
  const Tensor logits = predict_logits(model_, data, batch_size);
  const int k = logits.dim(1);
  std::vector<int32_t> classes;
  for (int i = 0; i < data.size(); ++i) {
    const float* z = logits.data() + int64_t(i) * k;
    classes.push_back(int32_t(std::max_element(z, z + k) - z));
  }
  return classes;
}

Tensor predict_logits(Model& model, const Dataset& data, int batch_size) {
  check_sample_shape(model, data, "prediction");
  batch_size = std::max(batch_size, 1);
  const int n = data.size();
  Tensor out;
  Tensor x;
  Context ctx;  // inference
  for (int begin = 0; begin < n; begin += batch_size) {
    const int count = std::min(batch_size, n - begin);
    copy_batch(data.x, begin, count, &x);
    const Tensor& logits = model.forward(x, ctx);
    const int k = logits.dim(1);
    if (begin == 0) out.resize({n, k});
    std::memcpy(out.data() + int64_t(begin) * k, logits.data(), sizeof(float) * size_t(count) * k);
  }
  return out;
}

}  // namespace edge::train
