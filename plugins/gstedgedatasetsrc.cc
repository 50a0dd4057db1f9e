#include "plugins/gstedgedatasetsrc.h"

#include <gst/audio/audio.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "datasets/dataset.h"
#include "datasets/gesture_csv.h"
#include "datasets/source_params.h"
#include "io/audio_file.h"
#include "io/path_guard.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/gparams.h"
#include "signal/resample.h"

GST_DEBUG_CATEGORY_STATIC(edge_dataset_src_debug);
#define GST_CAT_DEFAULT edge_dataset_src_debug

namespace {

using edge::datasets::Dataset;
using edge::datasets::Entry;
using edge::datasets::Layout;

using edge::datasets::OnMissing;

// Property values (declared in core/data/datasets/source_params.h), under the object lock.
using Settings = edge::datasets::SourceSettings;
using Statistics = edge::datasets::SourceStatistics;

// Built in start(), dropped in stop(); touched by the streaming thread only.
struct State {
  Settings settings;  // snapshot taken at start
  Dataset dataset;
  size_t next_entry = 0;
  bool first_clip = true;
  // The clip being emitted; clip_opened: opened (by start() for the first one) but not begun.
  bool in_clip = false;
  bool clip_opened = false;
  edge::gst::ClipInfo clip;
  int rate = 0;             // of the output
  int channels = 0;         // of the output
  int file_channels = 0;    // of the decoded frames
  guint64 clip_frames = 0;  // frames in the clip, as decoded
  guint64 clip_done = 0;    // frames of it decoded
  guint64 clip_out = 0;     // frames of it emitted (differs from clip_done when converting)
  // rate=/channels=: the clip's conversion, and the decoded frames it reads from.
  std::unique_ptr<edge::signal::ClipConverter> converter;
  std::vector<float> decoded;
  GstClockTime clip_start = 0;
  guint64 stream_frames = 0;  // frames emitted since start (buffer offsets)
  std::unique_ptr<edge::io::AudioFileReader> reader;
  // Gesture CSV: every class file parsed once (a shuffled order alternates
  // between files), by resolved path; `gesture` points into the cache.
  std::map<std::string, edge::datasets::GestureFile> gesture_files;
  const edge::datasets::GestureFile* gesture = nullptr;
  int64_t gesture_row = 0;
  GstCaps* caps = nullptr;  // caps of the current clip
};

}  // namespace

struct EdgeDatasetSrcPrivate {
  Settings settings;
  Statistics statistics;  // written with params::publish by the streaming thread
  std::unique_ptr<State> state;
};

namespace {

void count(guint64* counter, guint64 value) { edge::params::publish(counter, value); }

}  // namespace

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string)F32LE, layout=(string)interleaved, "
                    "rate=(int)[1, MAX], channels=(int)[1, MAX]"));

#define gst_edge_dataset_src_parent_class parent_class
G_DEFINE_TYPE(GstEdgeDatasetSrc, gst_edge_dataset_src, GST_TYPE_PUSH_SRC)

namespace {

GstCaps* make_caps(int rate, int channels) {
  GstAudioInfo info;
  gst_audio_info_init(&info);
  // No positions: mono/stereo get the standard ones, more channels are
  // unpositioned (channel-mask=0), as a dataset cannot tell speaker positions.
  gst_audio_info_set_format(&info, GST_AUDIO_FORMAT_F32LE, rate, channels, nullptr);
  return gst_audio_info_to_caps(&info);
}

// Opens the entry's file (audio) or selects its rows (gesture CSV); throws
// edge::Error naming the clip when it cannot be read.
void open_clip(State& st, const Entry& e) {
  st.reader.reset();
  if (st.dataset.layout == Layout::kGestureCsv) {
    auto cached = st.gesture_files.find(e.resolved);
    if (cached == st.gesture_files.end()) {
      edge::datasets::GestureFile parsed = edge::datasets::read_gesture_csv(
          e.resolved, e.path, static_cast<int>(st.settings.gesture_rows));
      cached = st.gesture_files.emplace(e.resolved, std::move(parsed)).first;
    }
    st.gesture = &cached->second;
    if (e.first_row < 0 || e.first_row + e.row_count > st.gesture->rows()) {
      throw edge::Error(edge::msg(e.origin, ": recording rows ", e.first_row, "..",
                                  e.first_row + e.row_count, " are not in the file (it has ",
                                  st.gesture->rows(), " rows); did the file change?"));
    }
    st.rate = static_cast<int>(st.settings.gesture_rate);
    st.channels = static_cast<int>(st.gesture->channels.size());
    st.clip_frames = static_cast<guint64>(e.row_count);
    st.gesture_row = e.first_row;
  } else {
    st.reader.reset(new edge::io::AudioFileReader(e.resolved, e.path));
    st.rate = st.reader->info().rate;
    st.channels = st.reader->info().channels;
    st.clip_frames = static_cast<guint64>(st.reader->info().frames);
  }
  st.file_channels = st.channels;
  if (st.clip_frames == 0) throw edge::Error(edge::msg(e.path, ": holds no audio frames"));
  if (st.converter) {
    try {
      st.converter->begin(st.rate, st.channels);
    } catch (const edge::Error& err) {
      throw edge::Error(edge::msg(e.path, ": cannot convert its ", st.rate, " Hz, ", st.channels,
                                  " channels: ", err.what()));
    }
    st.rate = st.converter->rate();
    st.channels = st.converter->channels();
  }
  st.clip.clip_id = e.clip_id;
  st.clip.label = e.label;
  st.clip.label_index = e.label_index;
  st.clip.fold = e.fold;
  st.clip.source = e.path;
  st.clip_done = 0;
  st.clip_out = 0;
}

// Starts the clip downstream: caps if they changed, a SEGMENT (basesrc sends
// the first clip's), then the boundary event.
gboolean begin_clip(GstEdgeDatasetSrc* self, State& st) {
  GstBaseSrc* base = GST_BASE_SRC(self);
  GstCaps* caps = make_caps(st.rate, st.channels);
  if (!st.caps || !gst_caps_is_equal(caps, st.caps)) {
    // A refused caps event does not fail the push: ask downstream first so the
    // error names the clip instead of a bare not-negotiated.
    if (!gst_pad_peer_query_accept_caps(GST_BASE_SRC_PAD(base), caps) ||
        !gst_base_src_set_caps(base, caps)) {
      GST_ELEMENT_ERROR(
          self, CORE, NEGOTIATION,
          ("Downstream refused %" GST_PTR_FORMAT " of clip %s.", caps, st.clip.source.c_str()),
          ("Set rate= and channels=1 on edgedatasetsrc to convert every clip to one format."));
      gst_caps_unref(caps);
      return FALSE;
    }
    gst_caps_replace(&st.caps, caps);
  }
  gst_caps_unref(caps);
  if (!st.first_clip) {
    gst_pad_push_event(GST_BASE_SRC_PAD(base), gst_event_new_segment(&base->segment));
  }
  st.first_clip = false;
  // basesrc's send_event queues serialized custom events and pushes them after
  // its pending segment, right before our next buffer. Called directly, not
  // through gst_element_send_event, which takes the state lock (a deadlock
  // against a state change waiting for this streaming thread).
  GST_ELEMENT_CLASS(parent_class)
      ->send_event(GST_ELEMENT(self), edge::gst::clip_event_new(st.clip));
  st.in_clip = true;
  return TRUE;
}

// A clip that cannot be emitted: an error, or a warning and a skip.
GstFlowReturn refuse_clip(GstEdgeDatasetSrc* self, State& st, const Entry& e, bool missing,
                          const std::string& why) {
  if (st.settings.on_missing == OnMissing::kSkip) {
    count(&self->priv->statistics.clips_skipped, self->priv->statistics.clips_skipped + 1);
    if (missing) {
      GST_ELEMENT_WARNING(self, RESOURCE, NOT_FOUND,
                          ("Skipping %s: file not found (%s).", e.path.c_str(), e.origin.c_str()),
                          ("%s", e.resolved.c_str()));
    } else {
      GST_ELEMENT_WARNING(self, RESOURCE, READ, ("Skipping %s: %s", e.path.c_str(), why.c_str()),
                          ("%s", e.origin.c_str()));
    }
    return GST_FLOW_OK;
  }
  if (missing) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                      ("Dataset clip %s is missing: listed in %s, expected at %s.", e.path.c_str(),
                       e.origin.c_str(), e.resolved.c_str()),
                      ("set on-missing=skip to skip missing clips with a warning"));
  } else {
    GST_ELEMENT_ERROR(
        self, RESOURCE, READ, ("Cannot read dataset clip: %s", why.c_str()),
        ("%s; set on-missing=skip to skip unreadable clips with a warning", e.origin.c_str()));
  }
  return GST_FLOW_ERROR;
}

// The clip is done: the next create() opens the next one.
void end_clip(State& st) {
  st.in_clip = false;
  st.reader.reset();
}

// Opens the next clip that can be emitted (refused ones are skipped with a warning when
// on-missing=skip): GST_FLOW_OK with st.clip_opened set, GST_FLOW_EOS when none is left,
// GST_FLOW_ERROR when one was refused (posted, naming it). Sends nothing downstream.
GstFlowReturn open_next_clip(GstEdgeDatasetSrc* self, State& st) {
  while (st.next_entry < st.dataset.entries.size()) {
    const Entry& e = st.dataset.entries[st.next_entry++];
    if (!e.exists) {
      GstFlowReturn ret = refuse_clip(self, st, e, true, "");
      if (ret != GST_FLOW_OK) return ret;
      continue;
    }
    try {
      open_clip(st, e);
    } catch (const std::exception& err) {
      GstFlowReturn ret = refuse_clip(self, st, e, false, err.what());
      if (ret != GST_FLOW_OK) return ret;
      continue;
    }
    st.clip_opened = true;
    return GST_FLOW_OK;
  }
  return GST_FLOW_EOS;
}

// Moves to the next clip that can be emitted (start() may have opened it); EOS when there is
// none.
GstFlowReturn next_clip(GstEdgeDatasetSrc* self, State& st) {
  if (!st.clip_opened) {
    const GstFlowReturn ret = open_next_clip(self, st);
    if (ret != GST_FLOW_OK) return ret;
  }
  st.clip_opened = false;
  if (!begin_clip(self, st)) return GST_FLOW_ERROR;  // already posted, naming the clip
  count(&self->priv->statistics.clips_emitted, self->priv->statistics.clips_emitted + 1);
  return GST_FLOW_OK;
}

// Reads the next chunk of the clip into `samples` (room for frames x file channels);
// throws edge::Error when the file ends early or cannot be decoded.
void read_chunk(State& st, float* samples, guint64 frames) {
  if (st.reader) {
    const size_t got = st.reader->read(samples, static_cast<size_t>(frames));
    if (got != frames) {
      throw edge::Error(edge::msg(st.clip.source, ": ended at frame ", st.clip_done + got, " of ",
                                  st.clip_frames));
    }
  } else {
    const size_t values = static_cast<size_t>(frames) * st.file_channels;
    const float* rows = st.gesture->row(st.gesture_row);
    std::copy(rows, rows + values, samples);
    st.gesture_row += static_cast<int64_t>(frames);
  }
  st.clip_done += frames;
}

// Fills `buf` with the next output of the clip: a decoded chunk, converted when rate= or
// channels= asks for it (the clip's tail with its last chunk). Returns the frames written,
// 0 when a converted chunk produced none yet.
guint64 fill_buffer(State& st, GstBuffer** buf) {
  const guint64 frames = std::min<guint64>(st.settings.chunk_frames, st.clip_frames - st.clip_done);
  const bool convert = st.converter && !st.converter->identity();
  const size_t out_frames =
      convert ? st.converter->max_output(static_cast<size_t>(frames)) : static_cast<size_t>(frames);
  const gsize bytes = out_frames * static_cast<gsize>(st.channels) * sizeof(float);
  *buf = gst_buffer_new_allocate(nullptr, bytes, nullptr);
  GstMapInfo map;
  if (!gst_buffer_map(*buf, &map, GST_MAP_WRITE))
    throw edge::Error(edge::msg("cannot map a ", bytes, " byte buffer"));
  float* samples = reinterpret_cast<float*>(map.data);
  size_t written = static_cast<size_t>(frames);
  try {
    if (!convert) {
      read_chunk(st, samples, frames);
    } else {
      const size_t values = static_cast<size_t>(frames) * st.file_channels;
      if (st.decoded.size() < values) st.decoded.resize(values);
      read_chunk(st, st.decoded.data(), frames);
      written = st.converter->process(st.decoded.data(), static_cast<size_t>(frames), samples);
      if (st.clip_done == st.clip_frames)
        written += st.converter->finish(samples + written * static_cast<size_t>(st.channels));
    }
  } catch (...) {
    gst_buffer_unmap(*buf, &map);
    gst_buffer_unref(*buf);
    *buf = nullptr;
    throw;
  }
  gst_buffer_unmap(*buf, &map);
  if (written != out_frames)
    gst_buffer_set_size(*buf, static_cast<gssize>(written * st.channels * sizeof(float)));
  return written;
}

GstFlowReturn edge_dataset_src_create(GstPushSrc* push, GstBuffer** out) {
  GstEdgeDatasetSrc* self = GST_EDGE_DATASET_SRC(push);
  State* state = self->priv->state.get();
  if (!state) return GST_FLOW_FLUSHING;
  State& st = *state;
  GstBuffer* buf = nullptr;
  guint64 frames = 0;
  // A converted chunk can produce no frame yet (a clip shorter than the filter): read on.
  while (frames == 0) {
    if (!st.in_clip) {
      GstFlowReturn ret = next_clip(self, st);
      if (ret != GST_FLOW_OK) return ret;
    }
    try {
      frames = fill_buffer(st, &buf);
    } catch (const std::exception& err) {
      // Part of the clip is already downstream: always an error, a skip would leave a
      // clip shorter than its file says.
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Cannot read dataset clip: %s", err.what()),
                        ("after %" G_GUINT64_FORMAT " frames", st.clip_done));
      return GST_FLOW_ERROR;
    }
    if (frames == 0) {
      gst_buffer_unref(buf);
      buf = nullptr;
      if (st.clip_done == st.clip_frames) end_clip(st);
    }
  }

  const GstClockTime pts =
      st.clip_start + gst_util_uint64_scale_int(st.clip_out, GST_SECOND, st.rate);
  const bool first = st.clip_out == 0;
  st.clip_out += frames;
  const GstClockTime end =
      st.clip_start + gst_util_uint64_scale_int(st.clip_out, GST_SECOND, st.rate);
  GST_BUFFER_PTS(buf) = pts;
  GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(buf) = end - pts;
  GST_BUFFER_OFFSET(buf) = st.stream_frames;
  st.stream_frames += frames;
  GST_BUFFER_OFFSET_END(buf) = st.stream_frames;
  if (first) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
  edge::gst::clip_meta_set(buf, st.clip);
  if (st.clip_done == st.clip_frames) {
    st.clip_start = end;
    end_clip(st);
  }
  *out = buf;
  return GST_FLOW_OK;
}

gboolean edge_dataset_src_start(GstBaseSrc* base) {
  GstEdgeDatasetSrc* self = GST_EDGE_DATASET_SRC(base);
  std::unique_ptr<State> st(new State());
  GST_OBJECT_LOCK(self);
  st->settings = self->priv->settings;
  GST_OBJECT_UNLOCK(self);
  Statistics& stats = self->priv->statistics;
  count(&stats.clips_total, 0);
  count(&stats.clips_emitted, 0);
  count(&stats.clips_skipped, 0);
  const Settings& s = st->settings;
  if (s.location.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No dataset location given."),
                      ("set location= to the dataset root folder"));
    return FALSE;
  }
  try {
    st->dataset = edge::datasets::load_selected(s);
  } catch (const edge::io::PathEscapeError& err) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                      ("Dataset %s: entry refused: %s", s.location.c_str(), err.what()),
                      ("entries must stay inside the dataset root"));
    return FALSE;
  } catch (const std::exception& err) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("Cannot load dataset %s: %s", s.location.c_str(), err.what()),
                      ("layout=%s", edge::datasets::layout_name(s.layout)));
    return FALSE;
  }
  if ((s.rate != 0 || s.channels != 0) && st->dataset.layout == Layout::kGestureCsv) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("Dataset %s is gesture CSV: rate=%u and channels=%u convert audio clips; "
                       "gesture recordings keep their rows (set gesture-rate= for their rate).",
                       s.location.c_str(), s.rate, s.channels),
                      (nullptr));
    return FALSE;
  }
  if (s.rate != 0 || s.channels != 0) {
    st->converter.reset(
        new edge::signal::ClipConverter(static_cast<int>(s.rate), static_cast<int>(s.channels)));
  }
  GST_INFO_OBJECT(self, "%s dataset %s: %zu clips, %zu classes",
                  edge::datasets::layout_name(st->dataset.layout), st->dataset.root.c_str(),
                  st->dataset.entries.size(), st->dataset.classes.size());
  count(&stats.clips_total, st->dataset.entries.size());
  // The first clip is opened here, so that an unreadable one fails the state change with its
  // name rather than the streaming thread at once: gst-launch-1.0 (1.22) hangs about one run
  // in two when an error is posted before its main loop runs (filesrc ! wavparse does too).
  if (open_next_clip(self, *st) == GST_FLOW_ERROR) return FALSE;
  self->priv->state = std::move(st);
  return TRUE;
}

gboolean edge_dataset_src_stop(GstBaseSrc* base) {
  GstEdgeDatasetSrc* self = GST_EDGE_DATASET_SRC(base);
  if (self->priv->state && self->priv->state->caps) gst_caps_unref(self->priv->state->caps);
  self->priv->state.reset();
  return TRUE;
}

// Caps follow the clips: nothing to negotiate before the first clip is open,
// and afterwards (a downstream reconfigure) the current clip's caps again.
gboolean edge_dataset_src_negotiate(GstBaseSrc* base) {
  GstEdgeDatasetSrc* self = GST_EDGE_DATASET_SRC(base);
  State* st = self->priv->state.get();
  if (!st || !st->caps) return TRUE;
  if (!gst_base_src_set_caps(base, st->caps)) {
    GST_ERROR_OBJECT(self, "downstream refused %" GST_PTR_FORMAT, st->caps);
    return FALSE;
  }
  return TRUE;
}

gboolean edge_dataset_src_query(GstBaseSrc* base, GstQuery* query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_SCHEDULING) {
    // Push mode only, no seeking into the middle of a dataset walk.
    gst_query_set_scheduling(query, GST_SCHEDULING_FLAG_SEQUENTIAL, 1, -1, 0);
    gst_query_add_scheduling_mode(query, GST_PAD_MODE_PUSH);
    return TRUE;
  }
  return GST_BASE_SRC_CLASS(parent_class)->query(base, query);
}

void* settings_of(GObject* object) { return &GST_EDGE_DATASET_SRC(object)->priv->settings; }
const void* statistics_of(GObject* object) {
  return &GST_EDGE_DATASET_SRC(object)->priv->statistics;
}
const edge::gst::ParamBinding kParams = {edge::datasets::source_params, settings_of, statistics_of};

void edge_dataset_src_finalize(GObject* object) {
  GstEdgeDatasetSrc* self = GST_EDGE_DATASET_SRC(object);
  if (self->priv->state && self->priv->state->caps) gst_caps_unref(self->priv->state->caps);
  delete self->priv;
  self->priv = nullptr;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

}  // namespace

static void gst_edge_dataset_src_init(GstEdgeDatasetSrc* self) {
  self->priv = new EdgeDatasetSrcPrivate();
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  gst_base_src_set_live(GST_BASE_SRC(self), FALSE);
}

static void gst_edge_dataset_src_class_init(GstEdgeDatasetSrcClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass* base_class = GST_BASE_SRC_CLASS(klass);
  GstPushSrcClass* push_class = GST_PUSH_SRC_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(edge_dataset_src_debug, "edgedatasetsrc", 0, "edgestream dataset source");

  gobject_class->finalize = edge_dataset_src_finalize;
  edge::gst::install_params(gobject_class, kParams);
  base_class->start = edge_dataset_src_start;
  base_class->stop = edge_dataset_src_stop;
  base_class->negotiate = edge_dataset_src_negotiate;
  base_class->query = edge_dataset_src_query;
  push_class->create = edge_dataset_src_create;

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "edgestream dataset source", "Source/Audio",
                                        edge::datasets::source_params().summary.c_str(),
                                        "edgestream");
}
