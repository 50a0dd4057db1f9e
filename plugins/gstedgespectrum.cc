// edgespectrum: spectrogram, log-mel and MFCC frames. A thin adapter: caps in, a
// core edge::Spectrogram (tensor windows) or edge::SpectrogramStream (audio) built in
// set_caps, buffers mapped and handed to it. See gstedgespectrum.h for the data layout and
// core/runtime/signal/spectrum.h for the definitions.
#include "plugins/gstedgespectrum.h"

#include <gst/audio/audio.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/gparams.h"
#include "plugins/common/tensorcaps.h"
#include "signal/spectrum_params.h"

GST_DEBUG_CATEGORY_STATIC(edge_spectrum_debug);
#define GST_CAT_DEFAULT edge_spectrum_debug

namespace {

constexpr size_t kMixChunkFrames = 4096;

// Property values (declared in core/runtime/signal/spectrum_params.h), under the object lock;
// read into a State at set_caps.
using Settings = edge::SpectrumSettings;

// Runtime state, built in set_caps and used only by the streaming thread.
struct State {
  bool audio = false;  // audio/x-raw input (else other/tensors windows)
  int rate = 0;
  int channels = 1;
  int64_t window_samples = 0;                       // tensor input: samples per window
  std::unique_ptr<edge::Spectrogram> spectrogram;   // tensor input
  std::unique_ptr<edge::SpectrogramStream> stream;  // audio input
  edge::gst::TensorsInfo out_info;
  std::vector<float> mix;  // mixdown scratch
  // Audio timing: stream sample 0 is at base_pts (GST_CLOCK_TIME_NONE when unknown).
  bool have_base = false;
  GstClockTime base_pts = GST_CLOCK_TIME_NONE;
  gint64 patch_index = 0;  // patches since the last clip boundary or reset
  // Tensor input: the previous window's PTS, for the frames overlapping windows share.
  GstClockTime previous_window_pts = GST_CLOCK_TIME_NONE;

  bool negotiated() const { return spectrogram || stream; }
  void restart() {
    if (stream) stream->reset();
    previous_window_pts = GST_CLOCK_TIME_NONE;
    have_base = false;
    base_pts = GST_CLOCK_TIME_NONE;
    patch_index = 0;
  }
};

}  // namespace

struct _GstEdgeSpectrum {
  GstElement parent;
  GstPad* sinkpad;
  GstPad* srcpad;
  Settings* settings;  // object lock
  State* state;        // streaming thread (and state changes, when it is stopped)
};

G_DEFINE_TYPE(GstEdgeSpectrum, gst_edge_spectrum, GST_TYPE_ELEMENT)

// ------------------------------------------------------------------ pads

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string)F32LE, layout=(string)interleaved, "
                    "rate=(int)[1,2147483647], channels=(int)[1,2147483647]; " EDGE_TENSORS_MIME
                    ", format=(string)static, num_tensors=(int)1, types=(string)float32, "
                    "framerate=(fraction)[0/1,2147483647/1]"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS(EDGE_TENSORS_MIME ", format=(string)static, num_tensors=(int)1, "
                                      "types=(string)float32, "
                                      "framerate=(fraction)[0/1,2147483647/1]"));

// ------------------------------------------------------------------ setup

// Builds the state for `caps` from a snapshot of the settings. Throws edge::Error with a
// message for a person.
static std::unique_ptr<State> build_state(const Settings& s, GstCaps* caps) {
  auto state = std::make_unique<State>();
  const GstStructure* structure = gst_caps_get_structure(caps, 0);
  if (gst_structure_has_name(structure, "audio/x-raw")) {
    GstAudioInfo info;
    if (!gst_audio_info_from_caps(&info, caps))
      throw edge::Error(edge::msg("cannot parse audio caps"));
    state->audio = true;
    state->rate = GST_AUDIO_INFO_RATE(&info);
    state->channels = GST_AUDIO_INFO_CHANNELS(&info);
  } else {
    edge::gst::TensorsInfo in;
    std::string why;
    if (!edge::gst::tensors_caps_parse(caps, &in, &why)) throw edge::Error(why);
    if (in.tensors.size() != 1 || in.tensors[0].type != edge::DType::kFloat32)
      throw edge::Error(
          edge::msg("expected one float32 tensor, got ", edge::gst::tensors_info_to_string(in)));
    edge::Shape shape = in.tensors[0].shape;
    while (shape.size() > 1 && shape.front() == 1) shape.erase(shape.begin());
    if (shape.size() > 2)
      throw edge::Error(
          edge::msg("expected a window of samples, dimensions \"C:N\" or \"N\", got \"",
                    edge::gst::dims_to_string(in.tensors[0].shape), "\""));
    state->window_samples = shape[0];
    state->channels = shape.size() == 2 ? shape[1] : 1;
    state->rate = s.sample_rate;
    state->out_info.rate_n = in.rate_n;
    state->out_info.rate_d = in.rate_d;
  }
  if (state->channels > 1 && !s.mixdown)
    throw edge::Error(edge::msg("the input has ", state->channels,
                                " channels; spectra are computed on mono audio: set mixdown=true "
                                "to average the channels, or convert to mono upstream"));

  const edge::SpectrumConfig c = edge::spectrum_config(s, state->rate);

  int frames = 0, bins = 0;
  if (state->audio) {
    const int patch_hop = s.patch_hop > 0 ? s.patch_hop : s.patch_frames;
    state->stream = std::make_unique<edge::SpectrogramStream>(c, s.patch_frames, patch_hop);
    frames = s.patch_frames;
    bins = state->stream->spectrogram().bins();
    // One tensor per patch_hop * hop samples.
    if (!edge::gst::set_tensor_every(&state->out_info, static_cast<int64_t>(patch_hop) * c.hop_size,
                                     state->rate))
      throw edge::Error("patch-hop x hop-size is too long for a framerate");
    state->mix.resize(state->channels > 1 ? kMixChunkFrames : 0);
  } else {
    state->spectrogram = std::make_unique<edge::Spectrogram>(c);
    const int64_t n = state->spectrogram->frames_for(state->window_samples);
    if (n < 1)
      throw edge::Error(edge::msg(
          "windows of ", state->window_samples, " samples are shorter than frame-size (",
          state->spectrogram->config().frame_size, " samples) and center=none: no frame fits"));
    if (n > G_MAXINT32) throw edge::Error("too many frames per window");
    frames = static_cast<int>(n);
    bins = state->spectrogram->bins();
    state->spectrogram->reserve(state->window_samples);
    state->mix.resize(state->channels > 1 ? static_cast<size_t>(state->window_samples) : 0);
  }
  edge::gst::TensorDesc out;
  out.type = edge::DType::kFloat32;
  out.shape = {frames, bins};
  state->out_info.tensors = {out};
  return state;
}

static gboolean gst_edge_spectrum_set_caps(GstEdgeSpectrum* self, GstCaps* caps) {
  GST_OBJECT_LOCK(self);
  const Settings settings = *self->settings;
  GST_OBJECT_UNLOCK(self);
  std::unique_ptr<State> state;
  try {
    state = build_state(settings, caps);
  } catch (const std::exception& e) {
    gchar* text = gst_caps_to_string(caps);
    GST_ERROR_OBJECT(self, "cannot configure for caps %s: %s", text, e.what());
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("edgespectrum: %s", e.what()),
                      ("input caps: %s", text));
    g_free(text);
    return FALSE;
  }
  GstCaps* out_caps = edge::gst::tensors_caps_new(state->out_info);
  const edge::SpectrumConfig& c =
      state->stream ? state->stream->spectrogram().config() : state->spectrogram->config();
  GST_INFO_OBJECT(
      self, "%s input at %d Hz: frame %d, hop %d, n-fft %d samples -> %s (%d empty mel bands)",
      state->audio ? "audio" : "tensor", state->rate, c.frame_size, c.hop_size, c.n_fft,
      edge::gst::tensors_info_to_string(state->out_info).c_str(),
      state->stream ? state->stream->spectrogram().filterbank().empty_bands()
                    : state->spectrogram->filterbank().empty_bands());
  const int empty = state->stream ? state->stream->spectrogram().filterbank().empty_bands()
                                  : state->spectrogram->filterbank().empty_bands();
  if (empty > 0)
    GST_WARNING_OBJECT(self, "%d of %d mel bands cover no FFT bin (raise n-fft or lower mel-bands)",
                       empty, c.mel_bands);
  delete self->state;
  self->state = state.release();
  gboolean ok = gst_pad_push_event(self->srcpad, gst_event_new_caps(out_caps));
  gst_caps_unref(out_caps);
  return ok;
}

// ------------------------------------------------------------------ streaming

static void copy_clip_meta(GstBuffer* from, GstBuffer* to, bool keep_index, gint64 index) {
  edge::gst::ClipInfo info;
  gint64 window_index = -1;
  if (!edge::gst::clip_meta_get(from, &info, &window_index)) return;
  edge::gst::clip_meta_set(to, info, keep_index ? window_index : index);
}

static GstFlowReturn chain_tensor(GstEdgeSpectrum* self, State* state, GstBuffer* in_buf) {
  GstMapInfo in;
  if (!gst_buffer_map(in_buf, &in, GST_MAP_READ)) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("edgespectrum: cannot map the input buffer"),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  const size_t expected =
      static_cast<size_t>(state->window_samples) * state->channels * sizeof(float);
  if (in.size != expected) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("edgespectrum: an input tensor has %" G_GSIZE_FORMAT
                       " bytes, but its caps say %" G_GINT64_FORMAT
                       " samples x %d channels of float32 (%" G_GSIZE_FORMAT " bytes)",
                       in.size, state->window_samples, state->channels, expected),
                      (nullptr));
    gst_buffer_unmap(in_buf, &in);
    return GST_FLOW_ERROR;
  }
  const float* samples = reinterpret_cast<const float*>(in.data);
  if (state->channels > 1) {  // mixdown (refused at caps otherwise)
    const int channels = state->channels;
    for (int64_t i = 0; i < state->window_samples; ++i) {
      float sum = 0.0f;
      for (int ch = 0; ch < channels; ++ch) sum += samples[i * channels + ch];
      state->mix[i] = sum / channels;
    }
    samples = state->mix.data();
  }
  GstBuffer* out_buf = edge::gst::tensors_buffer_new(state->out_info);
  GstMapInfo out;
  gst_buffer_map(out_buf, &out, GST_MAP_WRITE);
  // Windows of one stream overlap (edgewindow hop < size): the samples between two PTS say how
  // far apart they start, and the core reuses the frames they share once it has compared the
  // shared samples (a wrong guess costs a comparison, never a wrong value).
  const GstClockTime pts = GST_BUFFER_PTS(in_buf);
  int64_t shift = -1;
  if (GST_CLOCK_TIME_IS_VALID(pts) && GST_CLOCK_TIME_IS_VALID(state->previous_window_pts) &&
      pts > state->previous_window_pts) {
    shift = static_cast<int64_t>(gst_util_uint64_scale_round(
        pts - state->previous_window_pts,
        static_cast<guint64>(state->spectrogram->config().sample_rate), GST_SECOND));
  }
  state->previous_window_pts = pts;
  state->spectrogram->compute_overlapping(samples, state->window_samples, shift,
                                          reinterpret_cast<float*>(out.data));
  gst_buffer_unmap(out_buf, &out);
  gst_buffer_unmap(in_buf, &in);
  gst_buffer_copy_into(out_buf, in_buf, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  if (GST_BUFFER_IS_DISCONT(in_buf)) GST_BUFFER_FLAG_SET(out_buf, GST_BUFFER_FLAG_DISCONT);
  copy_clip_meta(in_buf, out_buf, true, -1);
  return gst_pad_push(self->srcpad, out_buf);
}

static GstFlowReturn push_patch(GstEdgeSpectrum* self, State* state, GstBuffer* in_buf) {
  GstBuffer* out_buf = edge::gst::tensors_buffer_new(state->out_info);
  GstMapInfo out;
  gst_buffer_map(out_buf, &out, GST_MAP_WRITE);
  const int64_t start = state->stream->take(reinterpret_cast<float*>(out.data));
  gst_buffer_unmap(out_buf, &out);
  const edge::SpectrumConfig& c = state->stream->spectrogram().config();
  if (GST_CLOCK_TIME_IS_VALID(state->base_pts))
    GST_BUFFER_PTS(out_buf) =
        state->base_pts +
        gst_util_uint64_scale_int(static_cast<guint64>(start), GST_SECOND, state->rate);
  GST_BUFFER_DURATION(out_buf) = gst_util_uint64_scale_int(
      static_cast<guint64>(state->stream->patch_hop()) * c.hop_size, GST_SECOND, state->rate);
  GST_BUFFER_OFFSET(out_buf) = static_cast<guint64>(start);  // first sample, stream position
  if (state->patch_index == 0) GST_BUFFER_FLAG_SET(out_buf, GST_BUFFER_FLAG_DISCONT);
  copy_clip_meta(in_buf, out_buf, false, state->patch_index);
  ++state->patch_index;
  return gst_pad_push(self->srcpad, out_buf);
}

static GstFlowReturn chain_audio(GstEdgeSpectrum* self, State* state, GstBuffer* in_buf) {
  if (GST_BUFFER_IS_DISCONT(in_buf) && state->have_base) {
    GST_DEBUG_OBJECT(self, "discontinuity: restarting framing");
    state->restart();
  }
  if (!state->have_base) {
    state->have_base = true;
    state->base_pts = GST_BUFFER_PTS(in_buf);
  }
  GstMapInfo in;
  if (!gst_buffer_map(in_buf, &in, GST_MAP_READ)) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("edgespectrum: cannot map the input buffer"),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  const size_t frame_bytes = sizeof(float) * static_cast<size_t>(state->channels);
  if (in.size % frame_bytes != 0) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("edgespectrum: an audio buffer of %" G_GSIZE_FORMAT
                       " bytes is not a whole number of %d-channel float32 frames",
                       in.size, state->channels),
                      (nullptr));
    gst_buffer_unmap(in_buf, &in);
    return GST_FLOW_ERROR;
  }
  const float* data = reinterpret_cast<const float*>(in.data);
  size_t remaining = in.size / frame_bytes;
  GstFlowReturn flow = GST_FLOW_OK;
  while (remaining > 0 && flow == GST_FLOW_OK) {
    const float* mono = data;
    size_t n = remaining;
    if (state->channels > 1) {
      n = std::min(remaining, kMixChunkFrames);
      const int channels = state->channels;
      for (size_t i = 0; i < n; ++i) {
        float sum = 0.0f;
        for (int ch = 0; ch < channels; ++ch) sum += data[i * channels + ch];
        state->mix[i] = sum / channels;
      }
      mono = state->mix.data();
    }
    size_t done = 0;
    while (done < n && flow == GST_FLOW_OK) {
      done += state->stream->push(mono + done, n - done);
      if (state->stream->ready()) flow = push_patch(self, state, in_buf);
    }
    data += n * state->channels;
    remaining -= n;
  }
  gst_buffer_unmap(in_buf, &in);
  return flow;
}

static GstFlowReturn gst_edge_spectrum_chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  GstEdgeSpectrum* self = GST_EDGE_SPECTRUM(parent);
  State* state = self->state;
  if (!state || !state->negotiated()) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("edgespectrum: received data before caps"),
                      (nullptr));
    gst_buffer_unref(buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  GstFlowReturn flow;
  try {
    flow = state->audio ? chain_audio(self, state, buffer) : chain_tensor(self, state, buffer);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("edgespectrum: %s", e.what()), (nullptr));
    flow = GST_FLOW_ERROR;
  }
  gst_buffer_unref(buffer);
  return flow;
}

static gboolean gst_edge_spectrum_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  GstEdgeSpectrum* self = GST_EDGE_SPECTRUM(parent);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      gboolean ok = gst_edge_spectrum_set_caps(self, caps);
      gst_event_unref(event);
      return ok;
    }
    case GST_EVENT_SEGMENT:
    case GST_EVENT_FLUSH_STOP:
      // A new segment (sources start one per clip) or a flush: frame afresh.
      if (self->state) self->state->restart();
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      if (edge::gst::clip_event_parse(event, nullptr) && self->state) {
        GST_DEBUG_OBJECT(self, "clip boundary: restarting framing");
        self->state->restart();
      }
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

// ------------------------------------------------------------------ GObject

static void* settings_of(GObject* object) { return GST_EDGE_SPECTRUM(object)->settings; }
static const edge::gst::ParamBinding kParams = {edge::spectrum_params, settings_of};

static GstStateChangeReturn gst_edge_spectrum_change_state(GstElement* element,
                                                           GstStateChange transition) {
  GstEdgeSpectrum* self = GST_EDGE_SPECTRUM(element);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_edge_spectrum_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    // Streaming has stopped: drop the runtime state; the next caps build it again.
    delete self->state;
    self->state = nullptr;
  }
  return ret;
}

static void gst_edge_spectrum_finalize(GObject* object) {
  GstEdgeSpectrum* self = GST_EDGE_SPECTRUM(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_spectrum_parent_class)->finalize(object);
}

static void gst_edge_spectrum_class_init(GstEdgeSpectrumClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->finalize = gst_edge_spectrum_finalize;
  element_class->change_state = gst_edge_spectrum_change_state;
  edge::gst::install_params(gobject_class, kParams);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Spectrum features", "Filter/Analyzer/Audio",
      "Magnitude/power spectrogram, log-mel and MFCC frames of mono audio (KissFFT)", "edgestream");
  GST_DEBUG_CATEGORY_INIT(edge_spectrum_debug, "edgespectrum", 0, "edgestream spectrum");
}

static void gst_edge_spectrum_init(GstEdgeSpectrum* self) {
  self->settings = new Settings();
  self->state = nullptr;
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, gst_edge_spectrum_chain);
  gst_pad_set_event_function(self->sinkpad, gst_edge_spectrum_sink_event);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_use_fixed_caps(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}
