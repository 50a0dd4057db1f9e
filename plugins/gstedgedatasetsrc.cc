#include "plugins/gstedgedatasetsrc.h"

#include <gst/audio/audio.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "datasets/dataset.h"
#include "datasets/gesture_csv.h"
#include "io/audio_file.h"
#include "io/path_guard.h"
#include "plugins/common/edgemeta.h"
#include "signal/resample.h"

GST_DEBUG_CATEGORY_STATIC(edge_dataset_src_debug);
#define GST_CAT_DEFAULT edge_dataset_src_debug

namespace {

using edge::datasets::Dataset;
using edge::datasets::Entry;
using edge::datasets::Layout;

constexpr guint kDefaultChunkFrames = 4096;
constexpr guint kMaxChunkFrames = 1 << 20;
constexpr guint kDefaultGestureRate = 100;
constexpr guint kMaxGestureRate = 1000000;
constexpr guint kMaxGestureRows = 1 << 20;
constexpr guint64 kDefaultSeed = 0;

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_LAYOUT,
  PROP_FOLDS,
  PROP_CLASSES,
  PROP_ESC10,
  PROP_RELABEL,
  PROP_SHUFFLE,
  PROP_SEED,
  PROP_ON_MISSING,
  PROP_CHUNK_FRAMES,
  PROP_GESTURE_RATE,
  PROP_GESTURE_ROWS,
  PROP_CLIPS_TOTAL,
  PROP_CLIPS_EMITTED,
  PROP_CLIPS_SKIPPED,
  PROP_SHARD,
  PROP_RATE,
  PROP_CHANNELS,
};

struct Settings {
  std::string location;
  GstEdgeDatasetSrcLayout layout = GST_EDGE_DATASET_SRC_LAYOUT_AUTO;
  std::string folds_text;
  std::vector<int> folds;
  std::string classes_text;
  std::vector<std::string> classes;
  gboolean esc10 = FALSE;
  gboolean relabel = FALSE;
  gboolean shuffle = FALSE;
  guint64 seed = kDefaultSeed;
  GstEdgeDatasetSrcOnMissing on_missing = GST_EDGE_DATASET_SRC_ON_MISSING_ERROR;
  guint chunk_frames = kDefaultChunkFrames;
  guint gesture_rate = kDefaultGestureRate;
  guint gesture_rows = 0;
  // Shard K of N (1-based) of the clip list after filter and shuffle; 1/1 keeps all.
  int shard_index = 1;
  int shard_count = 1;
  guint rate = 0;      // 0: each clip's own
  guint channels = 0;  // 0: each clip's own; 1: mixed down to mono
};

// Built in start(), dropped in stop(); touched by the streaming thread only.
struct State {
  Settings settings;  // snapshot taken at start
  Dataset dataset;
  size_t next_entry = 0;
  bool first_clip = true;
  // The clip being emitted.
  bool in_clip = false;
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
  std::unique_ptr<State> state;
  std::atomic<guint64> clips_total{0};
  std::atomic<guint64> clips_emitted{0};
  std::atomic<guint64> clips_skipped{0};
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string)F32LE, layout=(string)interleaved, "
                    "rate=(int)[1, MAX], channels=(int)[1, MAX]"));

#define gst_edge_dataset_src_parent_class parent_class
G_DEFINE_TYPE(GstEdgeDatasetSrc, gst_edge_dataset_src, GST_TYPE_PUSH_SRC)

GType gst_edge_dataset_src_layout_get_type(void) {
  static gsize id = 0;
  static const GEnumValue values[] = {
      {GST_EDGE_DATASET_SRC_LAYOUT_AUTO, "Detect from the files present", "auto"},
      {GST_EDGE_DATASET_SRC_LAYOUT_ESC50, "ESC-50: meta/esc50.csv, audio/", "esc50"},
      {GST_EDGE_DATASET_SRC_LAYOUT_URBANSOUND8K,
       "UrbanSound8K: metadata/UrbanSound8K.csv or metadata.csv, audio/fold<N>/", "urbansound8k"},
      {GST_EDGE_DATASET_SRC_LAYOUT_DCASE,
       "DCASE acoustic scenes: tab-separated meta.csv, evaluation_setup/", "dcase"},
      {GST_EDGE_DATASET_SRC_LAYOUT_FOLDERS, "One folder of audio files per class", "folders"},
      {GST_EDGE_DATASET_SRC_LAYOUT_GESTURE_CSV, "One gesture CSV file per class", "gesture-csv"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&id)) {
    g_once_init_leave(&id, g_enum_register_static("GstEdgeDatasetSrcLayout", values));
  }
  return id;
}

GType gst_edge_dataset_src_on_missing_get_type(void) {
  static gsize id = 0;
  static const GEnumValue values[] = {
      {GST_EDGE_DATASET_SRC_ON_MISSING_ERROR, "Stop with an error naming the clip", "error"},
      {GST_EDGE_DATASET_SRC_ON_MISSING_SKIP, "Warn on the bus, count it and go on", "skip"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&id)) {
    g_once_init_leave(&id, g_enum_register_static("GstEdgeDatasetSrcOnMissing", values));
  }
  return id;
}

namespace {

Layout to_core_layout(GstEdgeDatasetSrcLayout layout) {
  switch (layout) {
    case GST_EDGE_DATASET_SRC_LAYOUT_ESC50:
      return Layout::kEsc50;
    case GST_EDGE_DATASET_SRC_LAYOUT_URBANSOUND8K:
      return Layout::kUrbanSound8k;
    case GST_EDGE_DATASET_SRC_LAYOUT_DCASE:
      return Layout::kDcase;
    case GST_EDGE_DATASET_SRC_LAYOUT_FOLDERS:
      return Layout::kFolders;
    case GST_EDGE_DATASET_SRC_LAYOUT_GESTURE_CSV:
      return Layout::kGestureCsv;
    case GST_EDGE_DATASET_SRC_LAYOUT_AUTO:
      break;
  }
  return Layout::kAuto;
}

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
  if (st.settings.on_missing == GST_EDGE_DATASET_SRC_ON_MISSING_SKIP) {
    self->priv->clips_skipped++;
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

// Moves to the next clip that can be emitted; EOS when there is none.
GstFlowReturn next_clip(GstEdgeDatasetSrc* self, State& st) {
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
    if (!begin_clip(self, st)) return GST_FLOW_ERROR;  // already posted, naming the clip
    self->priv->clips_emitted++;
    return GST_FLOW_OK;
  }
  return GST_FLOW_EOS;
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
  self->priv->clips_total = 0;
  self->priv->clips_emitted = 0;
  self->priv->clips_skipped = 0;
  const Settings& s = st->settings;
  if (s.location.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No dataset location given."),
                      ("set location= to the dataset root folder"));
    return FALSE;
  }
  try {
    edge::datasets::LoadOptions load;
    load.layout = to_core_layout(s.layout);
    load.gesture_rows = static_cast<int>(s.gesture_rows);
    st->dataset = edge::datasets::load_dataset(s.location, load);
    edge::datasets::Filter filter;
    filter.folds = s.folds;
    filter.classes = s.classes;
    filter.esc10 = s.esc10;
    filter.relabel = s.relabel;
    edge::datasets::apply_filter(&st->dataset, filter);
    if (s.shuffle) edge::datasets::shuffle_entries(&st->dataset.entries, s.seed);
    edge::datasets::select_shard(&st->dataset.entries, s.shard_index, s.shard_count);
  } catch (const edge::io::PathEscapeError& err) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                      ("Dataset %s: entry refused: %s", s.location.c_str(), err.what()),
                      ("entries must stay inside the dataset root"));
    return FALSE;
  } catch (const std::exception& err) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("Cannot load dataset %s: %s", s.location.c_str(), err.what()),
                      ("layout=%s", edge::datasets::layout_name(to_core_layout(s.layout))));
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
  self->priv->clips_total = st->dataset.entries.size();
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

bool streaming(GstEdgeDatasetSrc* self, const GParamSpec* pspec) {
  GstState state = GST_STATE(self);
  if (state == GST_STATE_PAUSED || state == GST_STATE_PLAYING) {
    g_warning(
        "edgedatasetsrc: property '%s' cannot change while the element is %s; "
        "set it in the NULL or READY state",
        pspec->name, gst_element_state_get_name(state));
    return true;
  }
  return false;
}

void edge_dataset_src_set_property(GObject* object, guint prop_id, const GValue* value,
                                   GParamSpec* pspec) {
  GstEdgeDatasetSrc* self = GST_EDGE_DATASET_SRC(object);
  if (streaming(self, pspec)) return;
  Settings& s = self->priv->settings;
  // Parse lists before taking the lock; a wrong value keeps the old one.
  if (prop_id == PROP_FOLDS || prop_id == PROP_CLASSES || prop_id == PROP_SHARD) {
    const gchar* text = g_value_get_string(value);
    std::string str = text ? text : "";
    try {
      if (prop_id == PROP_SHARD) {
        const std::pair<int, int> shard = edge::datasets::parse_shard(str, "shard");
        GST_OBJECT_LOCK(self);
        s.shard_index = shard.first;
        s.shard_count = shard.second;
        GST_OBJECT_UNLOCK(self);
      } else if (prop_id == PROP_FOLDS) {
        std::vector<int> folds = edge::datasets::parse_fold_list(str, "folds");
        GST_OBJECT_LOCK(self);
        s.folds_text = str;
        s.folds = std::move(folds);
        GST_OBJECT_UNLOCK(self);
      } else {
        std::vector<std::string> classes = edge::datasets::parse_name_list(str, "classes");
        GST_OBJECT_LOCK(self);
        s.classes_text = str;
        s.classes = std::move(classes);
        GST_OBJECT_UNLOCK(self);
      }
    } catch (const std::exception& err) {
      g_warning("edgedatasetsrc: %s; value refused, keeping the previous one", err.what());
    }
    return;
  }
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_LOCATION: {
      const gchar* text = g_value_get_string(value);
      s.location = text ? text : "";
      break;
    }
    case PROP_LAYOUT:
      s.layout = static_cast<GstEdgeDatasetSrcLayout>(g_value_get_enum(value));
      break;
    case PROP_ESC10:
      s.esc10 = g_value_get_boolean(value);
      break;
    case PROP_RELABEL:
      s.relabel = g_value_get_boolean(value);
      break;
    case PROP_SHUFFLE:
      s.shuffle = g_value_get_boolean(value);
      break;
    case PROP_SEED:
      s.seed = g_value_get_uint64(value);
      break;
    case PROP_ON_MISSING:
      s.on_missing = static_cast<GstEdgeDatasetSrcOnMissing>(g_value_get_enum(value));
      break;
    case PROP_CHUNK_FRAMES:
      s.chunk_frames = g_value_get_uint(value);
      break;
    case PROP_GESTURE_RATE:
      s.gesture_rate = g_value_get_uint(value);
      break;
    case PROP_GESTURE_ROWS:
      s.gesture_rows = g_value_get_uint(value);
      break;
    case PROP_RATE:
      s.rate = g_value_get_uint(value);
      break;
    case PROP_CHANNELS:
      s.channels = g_value_get_uint(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

void edge_dataset_src_get_property(GObject* object, guint prop_id, GValue* value,
                                   GParamSpec* pspec) {
  GstEdgeDatasetSrc* self = GST_EDGE_DATASET_SRC(object);
  EdgeDatasetSrcPrivate* p = self->priv;
  const Settings& s = p->settings;
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string(value, s.location.c_str());
      break;
    case PROP_LAYOUT:
      g_value_set_enum(value, s.layout);
      break;
    case PROP_FOLDS:
      g_value_set_string(value, s.folds_text.c_str());
      break;
    case PROP_CLASSES:
      g_value_set_string(value, s.classes_text.c_str());
      break;
    case PROP_SHARD: {
      gchar* text = g_strdup_printf("%d/%d", s.shard_index, s.shard_count);
      g_value_take_string(value, text);
      break;
    }
    case PROP_ESC10:
      g_value_set_boolean(value, s.esc10);
      break;
    case PROP_RELABEL:
      g_value_set_boolean(value, s.relabel);
      break;
    case PROP_SHUFFLE:
      g_value_set_boolean(value, s.shuffle);
      break;
    case PROP_SEED:
      g_value_set_uint64(value, s.seed);
      break;
    case PROP_ON_MISSING:
      g_value_set_enum(value, s.on_missing);
      break;
    case PROP_CHUNK_FRAMES:
      g_value_set_uint(value, s.chunk_frames);
      break;
    case PROP_GESTURE_RATE:
      g_value_set_uint(value, s.gesture_rate);
      break;
    case PROP_GESTURE_ROWS:
      g_value_set_uint(value, s.gesture_rows);
      break;
    case PROP_RATE:
      g_value_set_uint(value, s.rate);
      break;
    case PROP_CHANNELS:
      g_value_set_uint(value, s.channels);
      break;
    case PROP_CLIPS_TOTAL:
      g_value_set_uint64(value, p->clips_total.load());
      break;
    case PROP_CLIPS_EMITTED:
      g_value_set_uint64(value, p->clips_emitted.load());
      break;
    case PROP_CLIPS_SKIPPED:
      g_value_set_uint64(value, p->clips_skipped.load());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

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

  gobject_class->set_property = edge_dataset_src_set_property;
  gobject_class->get_property = edge_dataset_src_get_property;
  gobject_class->finalize = edge_dataset_src_finalize;
  base_class->start = edge_dataset_src_start;
  base_class->stop = edge_dataset_src_stop;
  base_class->negotiate = edge_dataset_src_negotiate;
  base_class->query = edge_dataset_src_query;
  push_class->create = edge_dataset_src_create;

  const GParamFlags rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const GParamFlags ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "Location", "Dataset root folder", "", rw));
  g_object_class_install_property(
      gobject_class, PROP_LAYOUT,
      g_param_spec_enum("layout", "Layout", "Dataset layout (auto: detect from the files present)",
                        gst_edge_dataset_src_layout_get_type(), GST_EDGE_DATASET_SRC_LAYOUT_AUTO,
                        rw));
  g_object_class_install_property(
      gobject_class, PROP_FOLDS,
      g_param_spec_string("folds", "Folds",
                          "Comma-separated folds to emit, e.g. \"1,2\" (empty: all folds)", "",
                          rw));
  g_object_class_install_property(
      gobject_class, PROP_CLASSES,
      g_param_spec_string("classes", "Classes",
                          "Comma-separated class names to emit, e.g. \"dog,rain\" (empty: all)", "",
                          rw));
  g_object_class_install_property(
      gobject_class, PROP_SHARD,
      g_param_spec_string("shard", "Shard",
                          "K/N: emit only the K-th of N deterministic parts of the clip list "
                          "(clips K, K+N, K+2N... after filters and shuffle), for parallel and "
                          "distributed dataset runs",
                          "1/1", rw));
  g_object_class_install_property(
      gobject_class, PROP_ESC10,
      g_param_spec_boolean("esc10", "ESC-10", "Only the ESC-10 subset (esc50 layout)", FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_RELABEL,
      g_param_spec_boolean("relabel", "Relabel",
                           "Renumber label indices 0..N-1 over the classes kept by classes/esc10 "
                           "(folds do not change them)",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_SHUFFLE,
      g_param_spec_boolean("shuffle", "Shuffle",
                           "Emit clips in a deterministic shuffled order (see seed)", FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_SEED,
      g_param_spec_uint64("seed", "Seed", "Shuffle seed (mt19937_64; same seed, same order)", 0,
                          G_MAXUINT64, kDefaultSeed, rw));
  g_object_class_install_property(
      gobject_class, PROP_ON_MISSING,
      g_param_spec_enum("on-missing", "On missing",
                        "What a missing or unreadable clip does: error, or skip with a warning",
                        gst_edge_dataset_src_on_missing_get_type(),
                        GST_EDGE_DATASET_SRC_ON_MISSING_ERROR, rw));
  g_object_class_install_property(
      gobject_class, PROP_CHUNK_FRAMES,
      g_param_spec_uint("chunk-frames", "Chunk frames",
                        "Frames per buffer (the last buffer of a clip may be shorter)", 1,
                        kMaxChunkFrames, kDefaultChunkFrames, rw));
  g_object_class_install_property(
      gobject_class, PROP_GESTURE_RATE,
      g_param_spec_uint("gesture-rate", "Gesture rate",
                        "Nominal sample rate of gesture CSV rows, in Hz", 1, kMaxGestureRate,
                        kDefaultGestureRate, rw));
  g_object_class_install_property(
      gobject_class, PROP_GESTURE_ROWS,
      g_param_spec_uint("gesture-rows", "Gesture rows",
                        "Rows per gesture recording (0: recordings separated by blank lines)", 0,
                        kMaxGestureRows, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_RATE,
      g_param_spec_uint("rate", "Rate",
                        "Resample every clip to this rate in Hz, each clip as if alone, in the "
                        "same pass as its decoding (0: each clip's own rate)",
                        0, edge::signal::Resampler::kMaxRate, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_CHANNELS,
      g_param_spec_uint("channels", "Channels",
                        "1: mix every clip down to mono (the mean of its channels); 0: keep each "
                        "clip's channels",
                        0, 1, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_CLIPS_TOTAL,
      g_param_spec_uint64("clips-total", "Clips total",
                          "Clips selected by the filters (known after start)", 0, G_MAXUINT64, 0,
                          ro));
  g_object_class_install_property(
      gobject_class, PROP_CLIPS_EMITTED,
      g_param_spec_uint64("clips-emitted", "Clips emitted", "Clips started downstream so far", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_CLIPS_SKIPPED,
      g_param_spec_uint64("clips-skipped", "Clips skipped",
                          "Missing or unreadable clips skipped (on-missing=skip)", 0, G_MAXUINT64,
                          0, ro));

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "edgestream dataset source", "Source/Audio",
      "Emits the clips of an audio or gesture dataset (ESC-50, UrbanSound8K, DCASE, folder per "
      "class, gesture CSV) as F32LE audio with label, fold and clip id metadata",
      "edgestream");
}
