// edgedatasetsrc through GstHarness: caps per clip, the SEGMENT / clip event /
// DISCONT buffer order, clip meta on every buffer, sample-exact timestamps,
// counters, skip and error behaviour.
#include <gst/audio/audio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <sndfile.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/gesture_csv.h"
#include "io/audio_file.h"
#include "plugins/common/edgemeta.h"
#include "signal/resample.h"
#include "tests/core/test_dataset_util.h"

namespace {

using edge::test::dataset_fixture;
using edge::test::TempDir;

// One item that went out of the source pad, in order.
struct Item {
  std::string kind;  // "caps", "segment", "clip", "buffer", "eos", "stream-start", ...
  int rate = 0, channels = 0;
  std::string caps;
  edge::gst::ClipInfo clip;  // clip event or buffer meta
  bool has_meta = false;
  GstClockTime pts = GST_CLOCK_TIME_NONE, duration = GST_CLOCK_TIME_NONE;
  bool discont = false;
  size_t bytes = 0;
  std::vector<float> first_frame;
};

struct Recorder {
  std::mutex lock;
  std::vector<Item> items;
};

GstPadProbeReturn record(GstPad*, GstPadProbeInfo* info, gpointer data) {
  Recorder* rec = static_cast<Recorder*>(data);
  Item item;
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
    item.kind = "buffer";
    item.pts = GST_BUFFER_PTS(buf);
    item.duration = GST_BUFFER_DURATION(buf);
    item.discont = GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DISCONT);
    item.bytes = gst_buffer_get_size(buf);
    item.has_meta = edge::gst::clip_meta_get(buf, &item.clip);
    float first[8] = {};
    gst_buffer_extract(buf, 0, first, std::min<size_t>(item.bytes, sizeof first));
    item.first_frame.assign(first, first + std::min<size_t>(item.bytes / 4, 8));
  } else if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
    item.kind = GST_EVENT_TYPE_NAME(ev);
    if (GST_EVENT_TYPE(ev) == GST_EVENT_CAPS) {
      GstCaps* caps;
      gst_event_parse_caps(ev, &caps);
      GstAudioInfo ai;
      if (gst_audio_info_from_caps(&ai, caps)) {
        item.rate = GST_AUDIO_INFO_RATE(&ai);
        item.channels = GST_AUDIO_INFO_CHANNELS(&ai);
      }
      gchar* text = gst_caps_to_string(caps);
      item.caps = text;
      g_free(text);
    } else if (edge::gst::clip_event_parse(ev, &item.clip)) {
      item.kind = "clip";
    }
  }
  std::lock_guard<std::mutex> guard(rec->lock);
  rec->items.push_back(item);
  return GST_PAD_PROBE_OK;
}

// Runs the source in a harness until EOS and returns what it pushed.
std::vector<Item> run_to_eos(GstHarness* h) {
  Recorder rec;
  GstPad* src = gst_element_get_static_pad(h->element, "src");
  gst_pad_add_probe(
      src,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      record, &rec, nullptr);
  gst_object_unref(src);
  gst_harness_play(h);
  // Events arrive in order and EOS is the last; pull_event waits for each.
  while (GstEvent* ev = gst_harness_pull_event(h)) {
    bool eos = GST_EVENT_TYPE(ev) == GST_EVENT_EOS;
    gst_event_unref(ev);
    if (eos) break;
  }
  gst_element_set_state(h->element, GST_STATE_NULL);
  std::lock_guard<std::mutex> guard(rec.lock);
  return rec.items;
}

std::vector<Item> only(const std::vector<Item>& items, const std::string& kind) {
  std::vector<Item> out;
  for (const Item& i : items) {
    if (i.kind == kind) out.push_back(i);
  }
  return out;
}

// The sequence of kinds without buffers repeated: "caps segment clip buffer*N ...".
std::string shape_of(const std::vector<Item>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].kind == "buffer" && i > 0 && items[i - 1].kind == "buffer") continue;
    out += (out.empty() ? "" : " ") + items[i].kind;
  }
  return out;
}

// Bus messages of an element run in a pipeline to EOS or ERROR.
struct RunResult {
  bool eos = false;
  GError* error = nullptr;
  std::string error_debug;
  std::vector<std::string> warnings;
  GQuark warning_domain = 0;
  std::vector<int> warning_codes;
  ~RunResult() {
    if (error) g_error_free(error);
  }
};

void run_pipeline(const std::string& description, RunResult* result, GstElement** src_out,
                  bool* state_failed = nullptr) {
  GError* parse_error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &parse_error);
  ASSERT_NE(pipeline, nullptr) << (parse_error ? parse_error->message : "");
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstStateChangeReturn ret = gst_element_set_state(pipeline, GST_STATE_PLAYING);
  if (state_failed) *state_failed = ret == GST_STATE_CHANGE_FAILURE;
  GstBus* bus = gst_element_get_bus(pipeline);
  while (true) {
    GstMessage* m = gst_bus_timed_pop_filtered(
        bus, 60 * GST_SECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
    if (!m) break;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
      GError* w = nullptr;
      gst_message_parse_warning(m, &w, nullptr);
      result->warnings.push_back(w->message);
      result->warning_domain = w->domain;
      result->warning_codes.push_back(w->code);
      g_error_free(w);
      gst_message_unref(m);
      continue;
    }
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) result->eos = true;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      gchar* debug = nullptr;
      gst_message_parse_error(m, &result->error, &debug);
      result->error_debug = debug ? debug : "";
      g_free(debug);
    }
    gst_message_unref(m);
    break;
  }
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  *src_out = src;  // caller unrefs; counters stay readable after NULL
  gst_object_unref(pipeline);
}

guint64 counter(GstElement* e, const char* name) {
  guint64 v = 0;
  g_object_get(e, name, &v, nullptr);
  return v;
}

}  // namespace

TEST(EdgeDatasetSrc, UrbanSoundClipsWithVaryingFormats) {
  GstHarness* h = gst_harness_new("edgedatasetsrc");
  g_object_set(h->element, "location", dataset_fixture("urbansound8k").c_str(), "chunk-frames", 256,
               nullptr);
  std::vector<Item> items = run_to_eos(h);
  // 1000 frames per clip in chunks of 256: 4 buffers each.
  EXPECT_EQ(shape_of(items),
            "stream-start caps segment clip buffer caps segment clip buffer caps segment clip "
            "buffer eos");
  std::vector<Item> caps = only(items, "caps");
  ASSERT_EQ(caps.size(), 3u);
  EXPECT_EQ(caps[0].rate, 48000);
  EXPECT_EQ(caps[0].channels, 2);
  EXPECT_NE(caps[0].caps.find("format=(string)F32LE"), std::string::npos);
  EXPECT_NE(caps[0].caps.find("layout=(string)interleaved"), std::string::npos);
  EXPECT_EQ(caps[1].rate, 11025);
  EXPECT_EQ(caps[1].channels, 1);
  EXPECT_EQ(caps[2].rate, 44100);

  std::vector<Item> clips = only(items, "clip");
  ASSERT_EQ(clips.size(), 3u);
  EXPECT_EQ(clips[0].clip.clip_id, "100032-3-0-0.wav");
  EXPECT_EQ(clips[0].clip.label, "dog_bark");
  EXPECT_EQ(clips[0].clip.label_index, 3);
  EXPECT_EQ(clips[0].clip.fold, 1);
  EXPECT_EQ(clips[0].clip.source, "audio/fold1/100032-3-0-0.wav");
  EXPECT_EQ(clips[2].clip.fold, 2);

  std::vector<Item> bufs = only(items, "buffer");
  ASSERT_EQ(bufs.size(), 12u);
  const int rates[3] = {48000, 11025, 44100};
  const int channels[3] = {2, 1, 1};
  GstClockTime clip_start = 0;
  for (int c = 0; c < 3; ++c) {
    guint64 done = 0;
    for (int b = 0; b < 4; ++b) {
      const Item& buf = bufs[c * 4 + b];
      const guint64 frames = b < 3 ? 256 : 1000 - 3 * 256;
      EXPECT_EQ(buf.bytes, frames * channels[c] * sizeof(float));
      EXPECT_EQ(buf.discont, b == 0);
      ASSERT_TRUE(buf.has_meta);
      EXPECT_EQ(buf.clip.clip_id, clips[c].clip.clip_id);
      EXPECT_EQ(buf.clip.label_index, clips[c].clip.label_index);
      EXPECT_EQ(buf.pts, clip_start + gst_util_uint64_scale_int(done, GST_SECOND, rates[c]));
      done += frames;
      EXPECT_EQ(buf.pts + buf.duration,
                clip_start + gst_util_uint64_scale_int(done, GST_SECOND, rates[c]));
    }
    clip_start += gst_util_uint64_scale_int(1000, GST_SECOND, rates[c]);
  }
  EXPECT_EQ(counter(h->element, "clips-emitted"), 3u);
  EXPECT_EQ(counter(h->element, "clips-skipped"), 0u);
  gst_harness_teardown(h);
}

TEST(EdgeDatasetSrc, MultichannelFloatWavIsUnpositionedAndExact) {
  TempDir dir;
  dir.mkdirs("quad");
  SF_INFO info = {};
  info.samplerate = 8000;
  info.channels = 4;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open((dir / "quad/x.wav").c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr);
  std::vector<float> frames(4 * 5);
  for (size_t i = 0; i < frames.size(); ++i) frames[i] = 0.25f * static_cast<float>(i) - 2.0f;
  sf_writef_float(f, frames.data(), 5);
  sf_close(f);
  GstHarness* h = gst_harness_new("edgedatasetsrc");
  g_object_set(h->element, "location", dir.path().c_str(), "chunk-frames", 2, nullptr);
  std::vector<Item> items = run_to_eos(h);
  std::vector<Item> caps = only(items, "caps");
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_EQ(caps[0].channels, 4);
  EXPECT_NE(caps[0].caps.find("channel-mask=(bitmask)0x0000000000000000"), std::string::npos)
      << caps[0].caps;
  std::vector<Item> bufs = only(items, "buffer");
  ASSERT_EQ(bufs.size(), 3u);  // 2 + 2 + 1 frames
  EXPECT_EQ(bufs[2].bytes, 4u * sizeof(float));
  EXPECT_EQ(bufs[0].clip.clip_id, "quad/x.wav");
  ASSERT_EQ(bufs[1].first_frame.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(bufs[1].first_frame[i], frames[8 + i]);  // float: exact
  EXPECT_EQ(bufs[2].pts, 4 * GST_SECOND / 8000);
  EXPECT_EQ(bufs[2].duration, GST_SECOND / 8000);
  gst_harness_teardown(h);
}

TEST(EdgeDatasetSrc, GestureRecordingsAsImuFrames) {
  const char* source_root = std::getenv("EDGE_SOURCE_ROOT");
  const std::string root =
      std::string(source_root ? source_root : ".") + "/datasets/gesture-punch-flex";
  GstHarness* h = gst_harness_new("edgedatasetsrc");
  gst_util_set_object_arg(G_OBJECT(h->element), "layout", "gesture-csv");
  g_object_set(h->element, "location", root.c_str(), "gesture-rate", 50, nullptr);
  std::vector<Item> items = run_to_eos(h);
  std::vector<Item> caps = only(items, "caps");
  ASSERT_EQ(caps.size(), 1u);  // every recording has the same format
  EXPECT_EQ(caps[0].rate, 50);
  EXPECT_EQ(caps[0].channels, 6);
  EXPECT_NE(caps[0].caps.find("channel-mask=(bitmask)0x0000000000000000"), std::string::npos)
      << caps[0].caps;
  std::vector<Item> bufs = only(items, "buffer");
  ASSERT_EQ(bufs.size(), 60u);  // 30 rows each, one buffer per recording
  EXPECT_EQ(only(items, "segment").size(), 60u);
  edge::datasets::GestureFile flex =
      edge::datasets::read_gesture_csv(root + "/flex.csv", "flex.csv", 0);
  for (size_t i = 0; i < bufs.size(); ++i) {
    EXPECT_EQ(bufs[i].bytes, 30u * 6u * sizeof(float));
    EXPECT_EQ(bufs[i].pts, i * 600 * GST_MSECOND);  // 30 rows at 50 Hz
    EXPECT_EQ(bufs[i].duration, 600 * GST_MSECOND);
    EXPECT_TRUE(bufs[i].discont);
  }
  EXPECT_EQ(bufs[0].clip.clip_id, "flex.csv#1");
  EXPECT_EQ(bufs[0].clip.label, "flex");
  EXPECT_EQ(bufs[0].clip.label_index, 0);
  EXPECT_EQ(bufs[0].clip.fold, -1);
  EXPECT_EQ(bufs[43].clip.clip_id, "punch.csv#1");
  EXPECT_EQ(bufs[43].clip.label_index, 1);
  const float* row = flex.row(flex.recordings[1].first_row);
  ASSERT_EQ(bufs[1].first_frame.size(), 8u);
  for (int c = 0; c < 6; ++c) EXPECT_FLOAT_EQ(bufs[1].first_frame[c], row[c]);
  gst_harness_teardown(h);
}

TEST(EdgeDatasetSrc, FiltersShuffleAndRelabel) {
  edge::datasets::Dataset ds = edge::datasets::load_dataset(dataset_fixture("esc50"));
  edge::datasets::shuffle_entries(&ds.entries, 99);
  GstHarness* h = gst_harness_new("edgedatasetsrc");
  g_object_set(h->element, "location", dataset_fixture("esc50").c_str(), "shuffle", TRUE, "seed",
               G_GUINT64_CONSTANT(99), nullptr);
  std::vector<Item> clips = only(run_to_eos(h), "clip");
  ASSERT_EQ(clips.size(), ds.entries.size());
  for (size_t i = 0; i < clips.size(); ++i) EXPECT_EQ(clips[i].clip.clip_id, ds.entries[i].clip_id);
  gst_harness_teardown(h);

  h = gst_harness_new("edgedatasetsrc");
  g_object_set(h->element, "location", dataset_fixture("esc50").c_str(), "esc10", TRUE, "relabel",
               TRUE, "folds", "1", nullptr);
  clips = only(run_to_eos(h), "clip");
  ASSERT_EQ(clips.size(), 2u);
  EXPECT_EQ(clips[0].clip.label, "dog");
  EXPECT_EQ(clips[0].clip.label_index, 0);
  EXPECT_EQ(clips[1].clip.label, "rain");
  EXPECT_EQ(clips[1].clip.label_index, 1);
  EXPECT_EQ(counter(h->element, "clips-total"), 2u);
  gst_harness_teardown(h);
}

TEST(EdgeDatasetSrc, WrongPropertyValuesAreRefused) {
  GstElement* e = gst_element_factory_make("edgedatasetsrc", nullptr);
  ASSERT_NE(e, nullptr);
  g_object_set(e, "folds", "1,2", "classes", "dog", nullptr);
  g_object_set(e, "folds", "1,two", "classes", "dog,,rain", nullptr);  // refused: kept
  gchar* folds = nullptr;
  gchar* classes = nullptr;
  g_object_get(e, "folds", &folds, "classes", &classes, nullptr);
  EXPECT_STREQ(folds, "1,2");
  EXPECT_STREQ(classes, "dog");
  g_free(folds);
  g_free(classes);
  gst_object_unref(e);
}

TEST(EdgeDatasetSrc, SkipMissingAndUnreadableClipsWithWarnings) {
  TempDir dir;
  dir.copy(dataset_fixture("folders/yes/a.wav"), "audio/fold1/good.wav");
  dir.write("audio/fold1/garbage.wav", std::string(300, 'x'));
  dir.write("metadata.csv",
            "slice_file_name,fold,classID,class\nmissing.wav,1,0,a\ngarbage.wav,1,0,a\n"
            "good.wav,1,1,b\n");
  RunResult r;
  GstElement* src = nullptr;
  run_pipeline("edgedatasetsrc name=src on-missing=skip location=" + dir.path() + " ! fakesink", &r,
               &src);
  EXPECT_TRUE(r.eos);
  EXPECT_EQ(r.error, nullptr);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warning_domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(r.warning_codes[0], GST_RESOURCE_ERROR_NOT_FOUND);
  EXPECT_EQ(r.warning_codes[1], GST_RESOURCE_ERROR_READ);
  EXPECT_NE(r.warnings[0].find("audio/fold1/missing.wav"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("metadata.csv line 2"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[1].find("audio/fold1/garbage.wav"), std::string::npos) << r.warnings[1];
  EXPECT_EQ(counter(src, "clips-skipped"), 2u);
  EXPECT_EQ(counter(src, "clips-emitted"), 1u);
  gst_object_unref(src);
}

TEST(EdgeDatasetSrc, MissingClipIsAnErrorByDefault) {
  TempDir dir;
  dir.write("metadata.csv", "slice_file_name,fold,classID,class\nmissing.wav,1,0,a\n");
  RunResult r;
  GstElement* src = nullptr;
  bool failed = false;
  run_pipeline("edgedatasetsrc name=src location=" + dir.path() + " ! fakesink", &r, &src, &failed);
  // The first clip is opened by start(): the state change fails, naming it (an error posted
  // from the streaming thread at once can hang gst-launch-1.0 1.22).
  EXPECT_TRUE(failed);
  ASSERT_NE(r.error, nullptr);
  EXPECT_EQ(r.error->domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(r.error->code, GST_RESOURCE_ERROR_NOT_FOUND);
  EXPECT_NE(std::string(r.error->message)
                .find("audio/fold1/missing.wav is missing: listed in "
                      "metadata.csv line 2"),
            std::string::npos)
      << r.error->message;
  gst_object_unref(src);
}

TEST(EdgeDatasetSrc, TruncatedWavIsAReadError) {
  TempDir dir;
  dir.copy(dataset_fixture("esc50/audio/1-100032-A-0.wav"), "audio/cut.wav", 44 + 1000);
  dir.write("meta/esc50.csv",
            "filename,fold,target,category,esc10,src_file,take\ncut.wav,1,0,dog,True,1,A\n");
  RunResult r;
  GstElement* src = nullptr;
  run_pipeline("edgedatasetsrc name=src location=" + dir.path() + " ! fakesink", &r, &src);
  ASSERT_NE(r.error, nullptr);
  EXPECT_EQ(r.error->domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(r.error->code, GST_RESOURCE_ERROR_READ);
  EXPECT_NE(std::string(r.error->message).find("audio/cut.wav: truncated"), std::string::npos)
      << r.error->message;
  gst_object_unref(src);
}

TEST(EdgeDatasetSrc, EntriesOutsideTheRootFailTheStateChange) {
  TempDir dir;
  dir.copy(dataset_fixture("folders/yes/a.wav"), "secret.wav");
  dir.mkdirs("root/audio");
  ASSERT_EQ(::symlink((dir / "secret.wav").c_str(), (dir / "root/audio/link.wav").c_str()), 0);
  for (const char* name : {"../../secret.wav", "link.wav"}) {
    dir.write("root/meta/esc50.csv",
              std::string("filename,fold,target,category,esc10,src_file,take\n") + name +
                  ",1,0,dog,True,1,A\n");
    RunResult r;
    GstElement* src = nullptr;
    bool failed = false;
    run_pipeline("edgedatasetsrc name=src location=" + (dir / "root") + " ! fakesink", &r, &src,
                 &failed);
    EXPECT_TRUE(failed);
    ASSERT_NE(r.error, nullptr);
    EXPECT_EQ(r.error->domain, GST_RESOURCE_ERROR);
    EXPECT_EQ(r.error->code, GST_RESOURCE_ERROR_OPEN_READ);
    EXPECT_NE(std::string(r.error->message).find("meta/esc50.csv line 2"), std::string::npos)
        << r.error->message;
    gst_object_unref(src);
  }
}

TEST(EdgeDatasetSrc, BadLocationAndFilterFailWithSettingsError) {
  RunResult r;
  GstElement* src = nullptr;
  run_pipeline("edgedatasetsrc name=src location=" + dataset_fixture("esc50") +
                   " classes=unicorn ! fakesink",
               &r, &src);
  ASSERT_NE(r.error, nullptr);
  EXPECT_EQ(r.error->domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(r.error->code, GST_RESOURCE_ERROR_SETTINGS);
  EXPECT_NE(std::string(r.error->message).find("classes: 'unicorn' is not a class"),
            std::string::npos)
      << r.error->message;
  gst_object_unref(src);
  RunResult none;
  run_pipeline("edgedatasetsrc name=src location=/nonexistent/dataset ! fakesink", &none, &src);
  ASSERT_NE(none.error, nullptr);
  EXPECT_NE(std::string(none.error->message).find("/nonexistent/dataset"), std::string::npos);
  gst_object_unref(src);
}

TEST(EdgeDatasetSrc, CapsRefusedDownstreamIsANegotiationError) {
  RunResult r;
  GstElement* src = nullptr;
  run_pipeline("edgedatasetsrc name=src location=" + dataset_fixture("folders") +
                   " ! audio/x-raw,rate=22050 ! fakesink",
               &r, &src);
  ASSERT_NE(r.error, nullptr);
  EXPECT_EQ(r.error->domain, GST_CORE_ERROR);
  EXPECT_EQ(r.error->code, GST_CORE_ERROR_NEGOTIATION);
  gst_object_unref(src);
}

TEST(EdgeDatasetSrc, RealUrbanSoundFold1ThroughResampler) {
  EDGE_REQUIRE_SHARED(root, "sound/urbansound8k-folds1-2");
  GstHarness* h = gst_harness_new("edgedatasetsrc");
  g_object_set(h->element, "location", root.c_str(), "folds", "1", nullptr);
  std::vector<Item> items = run_to_eos(h);
  std::vector<Item> bufs = only(items, "buffer");
  size_t bytes = 0;
  for (const Item& b : bufs) {
    bytes += b.bytes;
    ASSERT_TRUE(b.has_meta);
    EXPECT_EQ(b.clip.fold, 1);
  }
  EXPECT_EQ(only(items, "clip").size(), 250u);
  EXPECT_EQ(only(items, "caps").size(), 1u);  // all 22050 Hz mono
  EXPECT_EQ(bytes, 250u * 88200u * sizeof(float));
  EXPECT_EQ(bufs.back().pts + bufs.back().duration, 1000 * GST_SECOND);  // 250 x 4.00 s
  gst_harness_teardown(h);
}

namespace {

// Samples per clip id and the caps seen, from a run of the source to EOS.
struct Converted {
  std::map<std::string, std::vector<float>> samples;
  std::vector<std::string> order;  // clip ids in emission order
  std::vector<Item> caps;
  GstClockTime end = 0;
};

Converted run_converted(const std::string& properties) {
  GstHarness* h = gst_harness_new_parse(("edgedatasetsrc " + properties).c_str());
  Converted out;
  struct Sink {
    Converted* out;
    std::mutex lock;
  } sink{&out, {}};
  GstPad* src = gst_element_get_static_pad(h->element, "src");
  gst_pad_add_probe(
      src, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        Sink* s = static_cast<Sink*>(data);
        GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
        edge::gst::ClipInfo clip;
        edge::gst::clip_meta_get(buf, &clip);
        std::vector<float> v(gst_buffer_get_size(buf) / sizeof(float));
        gst_buffer_extract(buf, 0, v.data(), v.size() * sizeof(float));
        std::lock_guard<std::mutex> guard(s->lock);
        auto& samples = s->out->samples[clip.clip_id];
        if (samples.empty()) s->out->order.push_back(clip.clip_id);
        samples.insert(samples.end(), v.begin(), v.end());
        s->out->end = GST_BUFFER_PTS(buf) + GST_BUFFER_DURATION(buf);
        return GST_PAD_PROBE_OK;
      },
      &sink, nullptr);
  gst_object_unref(src);
  std::vector<Item> items = run_to_eos(h);
  out.caps = only(items, "caps");
  gst_harness_teardown(h);
  return out;
}

// What the core gives for a file: decoded, mixed down by the mean, resampled alone.
std::vector<float> core_converted(const std::string& path, int rate) {
  edge::io::AudioInfo info;
  const std::vector<float> decoded = edge::io::read_audio_file(path, &info);
  edge::signal::ClipConverter converter(rate, 1);
  converter.begin(info.rate, info.channels);
  std::vector<float> out(converter.max_output(static_cast<size_t>(info.frames)));
  size_t n = converter.process(decoded.data(), static_cast<size_t>(info.frames), out.data());
  n += converter.finish(out.data() + n);
  out.resize(n);
  return out;
}

std::vector<uint32_t> bit_patterns(const std::vector<float>& v) {
  std::vector<uint32_t> out(v.size());
  std::memcpy(out.data(), v.data(), v.size() * sizeof(float));
  return out;
}

}  // namespace

TEST(EdgeDatasetSrc, RateAndChannelsConvertEveryClipToOneFormat) {
  const std::string root = dataset_fixture("urbansound8k");
  // 48 kHz stereo 24-bit, 11.025 kHz mono 8-bit and a float clip, 1000 frames each.
  Converted out = run_converted("location=" + root + " rate=16000 channels=1 chunk-frames=256");
  ASSERT_EQ(out.caps.size(), 1u) << "one format for every clip";
  EXPECT_EQ(out.caps[0].rate, 16000);
  EXPECT_EQ(out.caps[0].channels, 1);
  ASSERT_EQ(out.samples.size(), 3u);
  guint64 frames = 0;
  for (const auto& [id, samples] : out.samples) {
    const std::string file = root + "/audio/fold" + (id.rfind("102305", 0) == 0 ? "2/" : "1/") + id;
    EXPECT_EQ(bit_patterns(samples), bit_patterns(core_converted(file, 16000))) << id;
    frames += samples.size();
  }
  // ceil(1000 x 16000 / rate): 334 + 1452 + 363 frames, timestamps sample exact.
  EXPECT_EQ(frames, 334u + 1452u + 363u);
  EXPECT_EQ(out.end, gst_util_uint64_scale_int(334, GST_SECOND, 16000) +
                         gst_util_uint64_scale_int(1452, GST_SECOND, 16000) +
                         gst_util_uint64_scale_int(363, GST_SECOND, 16000));
}

TEST(EdgeDatasetSrc, ConvertedClipsAreTheSameWhateverTheOrderShardOrChunk) {
  const std::string base = "location=" + dataset_fixture("urbansound8k") + " rate=22050 channels=1";
  const Converted plain = run_converted(base);
  const Converted other_order = run_converted(base + " shuffle=true seed=7 chunk-frames=100");
  ASSERT_NE(plain.order, other_order.order) << "the seed should change the order";
  EXPECT_EQ(plain.samples, other_order.samples);
  Converted shards = run_converted(base + " shard=1/2");
  const Converted second = run_converted(base + " shard=2/2");
  shards.samples.insert(second.samples.begin(), second.samples.end());
  EXPECT_EQ(plain.samples, shards.samples);
}

TEST(EdgeDatasetSrc, RateOnGestureCsvIsASettingsError) {
  RunResult r;
  GstElement* src = nullptr;
  bool failed = false;
  run_pipeline("edgedatasetsrc name=src layout=gesture-csv rate=100 location=" +
                   dataset_fixture("gesture-fixed") + " ! fakesink",
               &r, &src, &failed);
  EXPECT_TRUE(failed);
  ASSERT_NE(r.error, nullptr);
  EXPECT_EQ(r.error->code, GST_RESOURCE_ERROR_SETTINGS);
  EXPECT_NE(std::string(r.error->message).find("is gesture CSV: rate=100"), std::string::npos)
      << r.error->message;
  gst_object_unref(src);
}

TEST(EdgeDatasetSrc, ClipOfARateItCannotConvertIsNamed) {
  // 48000 -> 44101 reduces to 44101/48000: more filter phases than the resampler builds.
  RunResult r;
  GstElement* src = nullptr;
  run_pipeline("edgedatasetsrc name=src rate=44101 location=" + dataset_fixture("urbansound8k") +
                   " ! fakesink",
               &r, &src);
  ASSERT_NE(r.error, nullptr);
  EXPECT_EQ(r.error->code, GST_RESOURCE_ERROR_READ);
  EXPECT_NE(std::string(r.error->message).find("100032-3-0-0.wav: cannot convert its 48000 Hz"),
            std::string::npos)
      << r.error->message;
  gst_object_unref(src);
}
