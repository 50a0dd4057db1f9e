// TFLM's signal-library custom operators (SignalWindow, SignalFftAutoScale, SignalRfft,
// SignalEnergy, SignalFilterBank, SignalFilterBankSquareRoot,
// SignalFilterBankSpectralSubtraction, SignalPCAN, SignalFilterBankLog) over the reference
// kernels of core/runtime/nn/kernels/ref/signal.h and rfft.h.
//
// Prepare checks what TFLM's Prepare checks (operand counts, ranks, types) and, because a
// model file is untrusted, everything TFLM's Eval silently relies on: sizes that fit the
// options (RFFT length, energy range, channel counts), filter-bank tables that are constant
// and index inside the spectrum and the weights, a PCAN table of the 125 entries its gain
// function can reach. SignalFilterBankSpectralSubtraction keeps its noise estimate in the
// kernel across invokes, as TFLM does; reset_state() zeroes it.
#include "nn/kernels/ref/signal.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "nn/kernels/ref/rfft.h"
#include "nn/ops/op.h"

namespace edge {
namespace nn {
namespace {

// Entries of the PCAN gain table its gain function can index (4 * 32 - 6 + 2, plus one).
constexpr int64_t kPcanLutEntries = 125;

template <typename T>
const T& require_options(const OpContext& ctx) {
  const T* o = ctx.op().options_as<T>();
  if (!o) ctx.fail("missing custom options");
  return *o;
}

void require_vector(const OpContext& ctx, const Tensor& t, const char* role, DType type) {
  ctx.require_type(t, role, type);
  ctx.require_rank(t, role, 1);
}

int64_t require_elements(const OpContext& ctx, const Tensor& t, const char* role,
                         int64_t expected) {
  if (t.elements() != expected)
    ctx.fail(role, " '", t.name, "' has ", t.elements(), " elements, expected ", expected);
  return expected;
}

class WindowOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(2, 2, 1);
    const auto& o = require_options<SignalWindowOptions>(ctx);
    const Tensor& in = ctx.input(0);
    const Tensor& weights = ctx.input(1);
    const Tensor& out = ctx.output(0);
    ctx.require_type(in, "input", DType::kInt16);
    if (in.shape.empty()) ctx.fail("input '", in.name, "' must have at least one dimension");
    require_vector(ctx, weights, "weights", DType::kInt16);
    ctx.require_type(out, "output", DType::kInt16);
    ctx.require_same_shape(out, "output", in, "input");
    weight_size_ = weights.shape[0];
    size_ = in.elements();
    if (weight_size_ == 0 || size_ % weight_size_ != 0) {
      ctx.fail("input of ", size_, " samples is not a whole number of windows of ", weight_size_,
               " weights");
    }
    shift_ = o.shift;
    in_ = ctx.input_index(0);
    weights_ = ctx.input_index(1);
    out_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    const int16_t* in = ctx.data<const int16_t>(in_);
    const int16_t* weights = ctx.data<const int16_t>(weights_);
    int16_t* out = ctx.data<int16_t>(out_);
    for (int64_t i = 0; i < size_; i += weight_size_)
      ref::signal_window(in + i, weights, static_cast<int32_t>(weight_size_), shift_, out + i);
  }

 private:
  int64_t size_ = 0, weight_size_ = 0;
  int32_t shift_ = 0;
  int32_t in_ = -1, weights_ = -1, out_ = -1;
};

class FftAutoScaleOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, 1, 2);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    const Tensor& scale = ctx.output(1);
    require_vector(ctx, in, "input", DType::kInt16);
    require_vector(ctx, out, "output", DType::kInt16);
    ctx.require_same_shape(out, "output", in, "input");
    ctx.require_type(scale, "scale bits", DType::kInt32);
    ctx.require_rank(scale, "scale bits", 0);
    size_ = static_cast<int32_t>(in.elements());
    in_ = ctx.input_index(0);
    out_ = ctx.output_index(0);
    scale_ = ctx.output_index(1);
  }

  void eval(const EvalContext& ctx) override {
    *ctx.data<int32_t>(scale_) =
        ref::fft_auto_scale(ctx.data<const int16_t>(in_), size_, ctx.data<int16_t>(out_));
  }

 private:
  int32_t size_ = 0;
  int32_t in_ = -1, out_ = -1, scale_ = -1;
};

class RfftOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, 1, 1);
    const auto& o = require_options<SignalRfftOptions>(ctx);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    ctx.require_type(in, "input", o.type);
    ctx.require_type(out, "output", o.type);
    if (in.shape.empty() || in.shape.size() != out.shape.size()) {
      ctx.fail("input ", shape_to_string(in.shape), " and output ", shape_to_string(out.shape),
               " must have the same rank, at least 1");
    }
    type_ = o.type;
    fft_length_ = o.fft_length;
    input_length_ = in.shape.back();
    if (input_length_ > fft_length_) {
      ctx.fail("input rows of ", input_length_, " samples are longer than fft_length ",
               fft_length_);
    }
    Shape expected = in.shape;
    expected.back() = 2 * (fft_length_ / 2 + 1);
    ctx.require_shape(out, "output", expected);
    rows_ = in.elements() / input_length_;
    if (type_ == DType::kInt16) {
      tables16_ = ref::make_rfft_tables<int16_t>(fft_length_);
    } else if (type_ == DType::kInt32) {
      tables32_ = ref::make_rfft_tables<int32_t>(fft_length_);
    } else {
      tables_float_ = ref::make_rfft_tables<float>(fft_length_);
    }
    in_ = ctx.input_index(0);
    out_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    if (type_ == DType::kInt16) {
      run(ctx, tables16_);
    } else if (type_ == DType::kInt32) {
      run(ctx, tables32_);
    } else {
      run(ctx, tables_float_);
    }
  }

  // The zero-padded row, then the complex FFT's buffer.
  size_t scratch_bytes() const override {
    const size_t sample = dtype_size(type_);
    return sample * static_cast<size_t>(fft_length_) +
           2 * sample * static_cast<size_t>(fft_length_ / 2) + 16;
  }
  size_t persistent_bytes() const override {
    return tables16_.bytes() + tables32_.bytes() + tables_float_.bytes();
  }

 private:
  template <typename T>
  void run(const EvalContext& ctx, const ref::RfftTables<T>& tables) {
    const T* in = ctx.data<const T>(in_);
    T* out = ctx.data<T>(out_);
    T* row = static_cast<T*>(ctx.scratch);
    auto* buffer = reinterpret_cast<ref::RfftComplex<T>*>(
        static_cast<uint8_t*>(ctx.scratch) +
        ((sizeof(T) * static_cast<size_t>(fft_length_) + 15) & ~size_t{15}));
    for (int64_t r = 0; r < rows_; ++r) {
      std::memcpy(row, in + r * input_length_, sizeof(T) * static_cast<size_t>(input_length_));
      std::memset(row + input_length_, 0,
                  sizeof(T) * static_cast<size_t>(fft_length_ - input_length_));
      ref::rfft(tables, row, buffer, out + r * (fft_length_ + 2));
    }
  }

  DType type_ = DType::kInt16;
  int32_t fft_length_ = 0, input_length_ = 0;
  int64_t rows_ = 0;
  ref::RfftTables<int16_t> tables16_;
  ref::RfftTables<int32_t> tables32_;
  ref::RfftTables<float> tables_float_;
  int32_t in_ = -1, out_ = -1;
};

class EnergyOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, 1, 1);
    const auto& o = require_options<SignalEnergyOptions>(ctx);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    require_vector(ctx, in, "input", DType::kInt16);
    require_vector(ctx, out, "output", DType::kUInt32);
    const int64_t bins = in.elements() / 2;
    if (o.end_index > bins || o.end_index > out.elements()) {
      ctx.fail("end_index ", o.end_index, " is beyond the ", bins, " bins of the input or the ",
               out.elements(), " entries of the output");
    }
    start_ = o.start_index;
    end_ = o.end_index;
    out_size_ = static_cast<int32_t>(out.elements());
    in_ = ctx.input_index(0);
    out_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    ref::spectrum_energy(ctx.data<const int16_t>(in_), start_, end_, out_size_,
                         ctx.data<uint32_t>(out_));
  }

 private:
  int32_t start_ = 0, end_ = 0, out_size_ = 0;
  int32_t in_ = -1, out_ = -1;
};

class FilterBankOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(6, 6, 1);
    const auto& o = require_options<SignalFilterBankOptions>(ctx);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    require_vector(ctx, in, "input", DType::kUInt32);
    require_vector(ctx, out, "output", DType::kUInt64);
    const char* roles[] = {"weights", "unweights", "channel frequency starts",
                           "channel weight starts", "channel widths"};
    const int16_t* tables[5];
    for (size_t k = 0; k < 5; ++k) {
      const Tensor& t = ctx.input(k + 1);
      require_vector(ctx, t, roles[k], DType::kInt16);
      ctx.require_constant(t, roles[k]);
      tables[k] = reinterpret_cast<const int16_t*>(t.data);
    }
    const int32_t channels = o.num_channels;
    require_elements(ctx, out, "output", channels);
    for (size_t k = 2; k < 5; ++k) {
      if (ctx.input(k + 1).elements() < channels + 1) {
        ctx.fail(roles[k], " '", ctx.input(k + 1).name, "' has ", ctx.input(k + 1).elements(),
                 " entries, expected num_channels + 1 = ", channels + 1);
      }
    }
    const int64_t bins = in.elements();
    const int64_t weights = std::min(ctx.input(1).elements(), ctx.input(2).elements());
    for (int32_t c = 0; c <= channels; ++c) {
      const int32_t freq = tables[2][c], weight = tables[3][c], width = tables[4][c];
      if (width < 0 || freq < 0 || weight < 0 || freq + width > bins || weight + width > weights) {
        ctx.fail("channel ", c, " takes ", width, " bins from bin ", freq, " and weights from ",
                 weight, ": outside the ", bins, " bins or ", weights, " weights");
      }
    }
    tables_.num_channels = channels;
    tables_.weights = tables[0];
    tables_.unweights = tables[1];
    tables_.frequency_starts = tables[2];
    tables_.weight_starts = tables[3];
    tables_.widths = tables[4];
    in_ = ctx.input_index(0);
    out_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    ref::filter_bank(tables_, ctx.data<const uint32_t>(in_), static_cast<uint64_t*>(ctx.scratch),
                     ctx.data<uint64_t>(out_));
  }

  size_t scratch_bytes() const override {
    return sizeof(uint64_t) * static_cast<size_t>(tables_.num_channels + 1);
  }

 private:
  ref::FilterBankTables tables_;
  int32_t in_ = -1, out_ = -1;
};

class SquareRootOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(2, 2, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor& out = ctx.output(0);
    require_vector(ctx, in, "input", DType::kUInt64);
    ctx.require_type(scale, "scale bits", DType::kInt32);
    ctx.require_rank(scale, "scale bits", 0);
    require_vector(ctx, out, "output", DType::kUInt32);
    size_ = static_cast<int32_t>(require_elements(ctx, out, "output", in.elements()));
    in_ = ctx.input_index(0);
    scale_ = ctx.input_index(1);
    out_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    ref::filter_bank_square_root(ctx.data<const uint64_t>(in_), size_,
                                 *ctx.data<const int32_t>(scale_), ctx.data<uint32_t>(out_));
  }

 private:
  int32_t size_ = 0;
  int32_t in_ = -1, scale_ = -1, out_ = -1;
};

class SpectralSubtractionOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, 1, 2);
    options_ = require_options<SignalSpectralSubtractionOptions>(ctx);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    const Tensor& noise = ctx.output(1);
    require_vector(ctx, in, "input", DType::kUInt32);
    require_vector(ctx, out, "output", DType::kUInt32);
    require_vector(ctx, noise, "noise estimate", DType::kUInt32);
    for (const auto* t : {&in, &out, &noise})
      require_elements(ctx, *t,
                       t == &in    ? "input"
                       : t == &out ? "output"
                                   : "noise estimate",
                       options_.num_channels);
    noise_.assign(static_cast<size_t>(options_.num_channels), 0);
    in_ = ctx.input_index(0);
    out_ = ctx.output_index(0);
    noise_out_ = ctx.output_index(1);
  }

  void eval(const EvalContext& ctx) override {
    ref::spectral_subtraction(options_, ctx.data<const uint32_t>(in_), ctx.data<uint32_t>(out_),
                              noise_.data());
    std::memcpy(ctx.data<uint32_t>(noise_out_), noise_.data(), noise_.size() * sizeof(uint32_t));
  }

  void reset_state() override { std::fill(noise_.begin(), noise_.end(), 0u); }
  size_t persistent_bytes() const override { return noise_.size() * sizeof(uint32_t); }

 private:
  SignalSpectralSubtractionOptions options_;
  std::vector<uint32_t> noise_;  // the noise estimate, kept across invokes
  int32_t in_ = -1, out_ = -1, noise_out_ = -1;
};

class PcanOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(3, 3, 1);
    const auto& o = require_options<SignalPcanOptions>(ctx);
    const Tensor& in = ctx.input(0);
    const Tensor& noise = ctx.input(1);
    const Tensor& lut = ctx.input(2);
    const Tensor& out = ctx.output(0);
    require_vector(ctx, in, "input", DType::kUInt32);
    require_vector(ctx, noise, "noise estimate", DType::kUInt32);
    require_vector(ctx, lut, "gain table", DType::kInt16);
    require_vector(ctx, out, "output", DType::kUInt32);
    size_ = static_cast<int32_t>(in.elements());
    require_elements(ctx, noise, "noise estimate", size_);
    require_elements(ctx, out, "output", size_);
    if (lut.elements() < kPcanLutEntries)
      ctx.fail("gain table '", lut.name, "' has ", lut.elements(), " entries, expected ",
               kPcanLutEntries);
    snr_shift_ = o.snr_shift;
    in_ = ctx.input_index(0);
    noise_ = ctx.input_index(1);
    lut_ = ctx.input_index(2);
    out_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    ref::pcan(ctx.data<const int16_t>(lut_), snr_shift_, ctx.data<const uint32_t>(noise_),
              ctx.data<const uint32_t>(in_), size_, ctx.data<uint32_t>(out_));
  }

 private:
  int32_t size_ = 0, snr_shift_ = 0;
  int32_t in_ = -1, noise_ = -1, lut_ = -1, out_ = -1;
};

class LogOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, 1, 1);
    const auto& o = require_options<SignalFilterBankLogOptions>(ctx);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    require_vector(ctx, in, "input", DType::kUInt32);
    require_vector(ctx, out, "output", DType::kInt16);
    size_ = static_cast<int32_t>(require_elements(ctx, out, "output", in.elements()));
    scale_ = o.output_scale;
    correction_bits_ = o.input_correction_bits;
    in_ = ctx.input_index(0);
    out_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    ref::filter_bank_log(ctx.data<const uint32_t>(in_), size_, scale_, correction_bits_,
                         ctx.data<int16_t>(out_));
  }

 private:
  int32_t size_ = 0, scale_ = 0, correction_bits_ = 0;
  int32_t in_ = -1, out_ = -1;
};

}  // namespace

std::unique_ptr<OpKernel> make_signal_op(CustomOp op) {
  switch (op) {
    case CustomOp::kSignalWindow:
      return std::make_unique<WindowOp>();
    case CustomOp::kSignalFftAutoScale:
      return std::make_unique<FftAutoScaleOp>();
    case CustomOp::kSignalRfft:
      return std::make_unique<RfftOp>();
    case CustomOp::kSignalEnergy:
      return std::make_unique<EnergyOp>();
    case CustomOp::kSignalFilterBank:
      return std::make_unique<FilterBankOp>();
    case CustomOp::kSignalFilterBankSquareRoot:
      return std::make_unique<SquareRootOp>();
    case CustomOp::kSignalFilterBankSpectralSubtraction:
      return std::make_unique<SpectralSubtractionOp>();
    case CustomOp::kSignalPcan:
      return std::make_unique<PcanOp>();
    case CustomOp::kSignalFilterBankLog:
      return std::make_unique<LogOp>();
    case CustomOp::kNone:
    case CustomOp::kUnknown:
      break;
  }
  return nullptr;
}

}  // namespace nn
}  // namespace edge
