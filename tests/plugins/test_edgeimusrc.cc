// edgeimusrc through GstHarness: recorded gesture files (counts, exact values,
// nominal timestamps, caps, clip events and metas), bad lines (counted,
// warned with content), configuration errors (domain and code), and a live
// pseudo-terminal (reads, hang-up as EOS, reconnect with DISCONT).
#include <fcntl.h>
#include <gst/base/gstbasesrc.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "plugins/common/edgemeta.h"
#include "tests/common/test_util.h"

namespace {

std::string dataset_file(const char* name) {
  const char* root = std::getenv("EDGE_SOURCE_ROOT");
  return std::string(root ? root : ".") + "/datasets/gesture-punch-flex/" + name;
}

// Independent reference: every sample line of a gesture CSV as floats.
std::vector<std::vector<float>> reference_frames(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<float>> frames;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    std::vector<float> f;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ',')) f.push_back(std::strtof(field.c_str(), nullptr));
    frames.push_back(f);
  }
  return frames;
}

std::string write_temp(const std::string& content) {
  char path[] = "/tmp/edgeimusrc_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  close(fd);
  return path;
}

// Runs a source harness to EOS; returns the clip events seen (in order).
struct SrcRun {
  std::vector<edge::gst::ClipInfo> clips;
  std::vector<GstBuffer*> buffers;
  GstCaps* caps = nullptr;
  ~SrcRun() {
    for (auto* b : buffers) gst_buffer_unref(b);
    if (caps) gst_caps_unref(caps);
  }
};

void pull_until_eos(GstHarness* h, SrcRun* run) {
  while (true) {
    GstEvent* ev = gst_harness_pull_event(h);  // blocks (harness timeout 60 s)
    ASSERT_NE(ev, nullptr) << "no EOS from edgeimusrc";
    edge::gst::ClipInfo info;
    if (edge::gst::clip_event_parse(ev, &info)) run->clips.push_back(info);
    const bool eos = GST_EVENT_TYPE(ev) == GST_EVENT_EOS;
    gst_event_unref(ev);
    if (eos) break;
  }
  GstBuffer* b;
  while ((b = gst_harness_try_pull(h)) != nullptr) run->buffers.push_back(b);
  run->caps = gst_pad_get_current_caps(h->sinkpad);
}

std::vector<float> buffer_floats(GstBuffer* b) {
  GstMapInfo map;
  EXPECT_TRUE(gst_buffer_map(b, &map, GST_MAP_READ));
  std::vector<float> v(map.size / sizeof(float));
  std::memcpy(v.data(), map.data, map.size);
  gst_buffer_unmap(b, &map);
  return v;
}

GstHarness* file_harness(const std::string& path) {
  GstHarness* h = gst_harness_new_with_padnames("edgeimusrc", nullptr, "src");
  g_object_set(h->element, "location", path.c_str(), nullptr);
  return h;
}

TEST(EdgeImuSrc, RecordedGesturesGiveAllFramesExactlyAtNominalTimes) {
  guint64 total_frames = 0;
  for (const char* name : {"punch.csv", "flex.csv"}) {
    const std::string path = dataset_file(name);
    const auto ref = reference_frames(path);
    GstHarness* h = file_harness(path);
    gst_harness_play(h);
    SrcRun run;
    pull_until_eos(h, &run);
    ASSERT_EQ(run.buffers.size(), ref.size()) << name;  // frames-per-buffer=1
    gchar* caps = gst_caps_to_string(run.caps);
    EXPECT_STREQ(caps,
                 "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, rate=(int)100, "
                 "channels=(int)6, channel-mask=(bitmask)0x0000000000000000");
    g_free(caps);
    for (size_t i = 0; i < run.buffers.size(); ++i) {
      GstBuffer* b = run.buffers[i];
      EXPECT_EQ(GST_BUFFER_PTS(b), i * 10 * GST_MSECOND) << name << " frame " << i;
      EXPECT_EQ(GST_BUFFER_DURATION(b), 10 * GST_MSECOND);
      EXPECT_EQ(GST_BUFFER_OFFSET(b), i);
      EXPECT_EQ(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DISCONT), i == 0);
      ASSERT_EQ(buffer_floats(b), ref[i]) << name << " frame " << i;
    }
    // Without separators-as-clips: one clip, the whole file.
    ASSERT_EQ(run.clips.size(), 1u);
    EXPECT_EQ(run.clips[0].clip_id, std::string(name) + "#0");
    EXPECT_EQ(run.clips[0].source, path);
    edge::gst::ClipInfo meta;
    ASSERT_TRUE(edge::gst::clip_meta_get(run.buffers.back(), &meta));
    EXPECT_EQ(meta.clip_id, std::string(name) + "#0");
    guint64 frames = 0, bad = 0, lines = 0;
    g_object_get(h->element, "frames", &frames, "bad-lines", &bad, "lines", &lines, nullptr);
    EXPECT_EQ(frames, ref.size());
    EXPECT_EQ(bad, 0u);
    EXPECT_EQ(lines, 1 + ref.size() + ref.size() / 30);  // header, samples, blank lines
    total_frames += frames;
    gst_harness_teardown(h);
  }
  EXPECT_EQ(total_frames, 60u * 30u);  // 17 punch + 43 flex gestures of 30 samples
}

TEST(EdgeImuSrc, SeparatorsAsClipsCutBuffersAndStartClips) {
  const std::string path = dataset_file("punch.csv");
  GstHarness* h = file_harness(path);
  g_object_set(h->element, "separators-as-clips", TRUE, "frames-per-buffer", 8u, "label", "punch",
               nullptr);
  gst_harness_play(h);
  SrcRun run;
  pull_until_eos(h, &run);
  ASSERT_EQ(run.clips.size(), 17u);
  EXPECT_EQ(run.clips[16].clip_id, "punch.csv#16");
  EXPECT_EQ(run.clips[3].label, "punch");
  ASSERT_EQ(run.buffers.size(), 17u * 4u);  // 30 frames: 8 + 8 + 8 + 6
  for (size_t i = 0; i < run.buffers.size(); ++i) {
    GstBuffer* b = run.buffers[i];
    const bool first_of_clip = i % 4 == 0;
    const guint frames = i % 4 == 3 ? 6 : 8;
    EXPECT_EQ(gst_buffer_get_size(b), frames * 6 * sizeof(float)) << i;
    EXPECT_EQ(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DISCONT), first_of_clip) << i;
    const guint64 first_frame = (i / 4) * 30 + (i % 4) * 8;
    EXPECT_EQ(GST_BUFFER_PTS(b), first_frame * 10 * GST_MSECOND) << i;
    EXPECT_EQ(GST_BUFFER_DURATION(b), frames * 10 * GST_MSECOND) << i;
    edge::gst::ClipInfo meta;
    ASSERT_TRUE(edge::gst::clip_meta_get(b, &meta));
    EXPECT_EQ(meta.clip_id, "punch.csv#" + std::to_string(i / 4));
    EXPECT_EQ(meta.label, "punch");
  }
  gst_harness_teardown(h);
}

struct BusWatch {
  GstBus* bus = gst_bus_new();
  explicit BusWatch(GstElement* e) { gst_element_set_bus(e, bus); }
  ~BusWatch() { gst_object_unref(bus); }
  // All messages of `type` so far, as (domain, code, text).
  std::vector<std::tuple<GQuark, gint, std::string>> take(GstMessageType type) {
    std::vector<std::tuple<GQuark, gint, std::string>> out;
    GstMessage* m;
    while ((m = gst_bus_pop_filtered(bus, type)) != nullptr) {
      GError* err = nullptr;
      gchar* dbg = nullptr;
      if (type == GST_MESSAGE_ERROR) gst_message_parse_error(m, &err, &dbg);
      if (type == GST_MESSAGE_WARNING) gst_message_parse_warning(m, &err, &dbg);
      if (err) out.emplace_back(err->domain, err->code, err->message);
      g_clear_error(&err);
      g_free(dbg);
      gst_message_unref(m);
    }
    return out;
  }
};

TEST(EdgeImuSrc, BadLinesAreCountedWarnedWithContentAndSkipped) {
  const std::string path = write_temp("aX,aY,aZ\r\n1,2,3\r\n1,2\r\n4,abc,6\r\n" +
                                      std::string(3000, '9') + "\r\n7,8,9\r\n1e99,0,0");
  GstHarness* h = file_harness(path);
  BusWatch watch(h->element);
  gst_harness_play(h);
  SrcRun run;
  pull_until_eos(h, &run);
  ASSERT_EQ(run.buffers.size(), 2u);
  EXPECT_EQ(buffer_floats(run.buffers[1]), (std::vector<float>{7, 8, 9}));
  EXPECT_EQ(GST_BUFFER_PTS(run.buffers[1]), 10 * GST_MSECOND);  // bad lines take no time slot
  guint64 bad = 0, frames = 0;
  g_object_get(h->element, "bad-lines", &bad, "frames", &frames, nullptr);
  EXPECT_EQ(bad, 4u);
  EXPECT_EQ(frames, 2u);
  auto warnings = watch.take(GST_MESSAGE_WARNING);
  // Rate-limited: the first within a second is posted, with the offending line.
  ASSERT_GE(warnings.size(), 1u);
  EXPECT_EQ(std::get<0>(warnings[0]), GST_STREAM_ERROR);
  EXPECT_EQ(std::get<1>(warnings[0]), GST_STREAM_ERROR_DECODE);
  EXPECT_NE(std::get<2>(warnings[0]).find("\"1,2\""), std::string::npos)
      << std::get<2>(warnings[0]);
  EXPECT_NE(std::get<2>(warnings[0]).find("line 3"), std::string::npos);
  EXPECT_TRUE(watch.take(GST_MESSAGE_ERROR).empty());
  gst_harness_teardown(h);
  unlink(path.c_str());
}

// Starts a bare element and returns its first error (domain, code, text).
std::tuple<GQuark, gint, std::string> start_error(GstElement* e) {
  BusWatch watch(e);
  EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  auto errors = watch.take(GST_MESSAGE_ERROR);
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
  if (errors.empty()) return {0, 0, ""};
  return errors[0];
}

TEST(EdgeImuSrc, ConfigurationErrorsNameTheProblem) {
  GstElement* e = gst_element_factory_make("edgeimusrc", nullptr);
  auto err = start_error(e);  // neither device nor location
  EXPECT_EQ(std::get<0>(err), GST_RESOURCE_ERROR);
  EXPECT_EQ(std::get<1>(err), GST_RESOURCE_ERROR_SETTINGS);
  EXPECT_NE(std::get<2>(err).find("neither"), std::string::npos);

  e = gst_element_factory_make("edgeimusrc", nullptr);
  g_object_set(e, "location", "/tmp/no-such-imu-recording.csv", nullptr);
  err = start_error(e);
  EXPECT_EQ(std::get<0>(err), GST_RESOURCE_ERROR);
  EXPECT_EQ(std::get<1>(err), GST_RESOURCE_ERROR_OPEN_READ);
  EXPECT_NE(std::get<2>(err).find("/tmp/no-such-imu-recording.csv"), std::string::npos);

  e = gst_element_factory_make("edgeimusrc", nullptr);
  g_object_set(e, "device", "/dev/no-such-imu", "on-disconnect", 1 /* eos */, nullptr);
  err = start_error(e);
  EXPECT_EQ(std::get<1>(err), GST_RESOURCE_ERROR_OPEN_READ);
  EXPECT_NE(std::get<2>(err).find("/dev/no-such-imu"), std::string::npos);

  e = gst_element_factory_make("edgeimusrc", nullptr);
  g_object_set(e, "location", "/tmp/x.csv", "reconnect-initial-ms", 500u, "reconnect-max-ms", 100u,
               nullptr);
  err = start_error(e);
  EXPECT_EQ(std::get<1>(err), GST_RESOURCE_ERROR_SETTINGS);
  EXPECT_NE(std::get<2>(err).find("reconnect-max-ms"), std::string::npos);
}

TEST(EdgeImuSrc, EmptyRecordingEndsWithAWarning) {
  const std::string path = write_temp("aX,aY\r\n\r\n");
  GstHarness* h = file_harness(path);
  BusWatch watch(h->element);
  gst_harness_play(h);
  SrcRun run;
  pull_until_eos(h, &run);
  EXPECT_TRUE(run.buffers.empty());
  auto warnings = watch.take(GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(std::get<2>(warnings[0]).find("No sample lines"), std::string::npos);
  gst_harness_teardown(h);
  unlink(path.c_str());
}

// --- live, through a pseudo-terminal ---

struct Pty {
  int master = -1;
  std::string slave;
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    EXPECT_GE(master, 0);
    grantpt(master);
    unlockpt(master);
    slave = ptsname(master);
  }
  ~Pty() { close_master(); }
  void close_master() {
    if (master >= 0) ::close(master);
    master = -1;
  }
  void write(const std::string& s) const {
    ASSERT_EQ(::write(master, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
};

TEST(EdgeImuSrc, LivePtyReadsFramesAndEndsOnHangupWithEos) {
  Pty pty;
  GstHarness* h = gst_harness_new_with_padnames("edgeimusrc", nullptr, "src");
  g_object_set(h->element, "device", pty.slave.c_str(), "on-disconnect", 1 /* eos */,
               "timestamp-mode", 1 /* arrival */, nullptr);
  EXPECT_TRUE(gst_base_src_is_live(GST_BASE_SRC(h->element)));
  gst_harness_play(h);
  pty.write("aX,aY,aZ,gX,gY,gZ\r\n0.017,-1.430,-0.000,126.771,463.763,-37.985\r\n1,2,");
  GstBuffer* b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(buffer_floats(b),
            (std::vector<float>{0.017f, -1.430f, -0.0f, 126.771f, 463.763f, -37.985f}));
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DISCONT));
  const GstClockTime first_pts = GST_BUFFER_PTS(b);
  EXPECT_TRUE(GST_CLOCK_TIME_IS_VALID(first_pts));
  gst_buffer_unref(b);
  pty.write("3,4,5,6\r\n");  // completes the partial line across two writes
  b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(buffer_floats(b), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_GE(GST_BUFFER_PTS(b), first_pts);
  gst_buffer_unref(b);
  pty.close_master();  // unplug
  SrcRun run;
  pull_until_eos(h, &run);
  EXPECT_TRUE(run.buffers.empty());
  gst_harness_teardown(h);
}

TEST(EdgeImuSrc, LivePtyReconnectsThroughSymlinkWithDiscontAndNewClip) {
  const std::string link = "/tmp/edgeimusrc_test_link_" + std::to_string(getpid());
  unlink(link.c_str());
  GstHarness* h = gst_harness_new_with_padnames("edgeimusrc", nullptr, "src");
  BusWatch watch(h->element);
  g_object_set(h->element, "device", link.c_str(), "reconnect-initial-ms", 10u, "reconnect-max-ms",
               40u, nullptr);
  gst_harness_play(h);  // the device is missing: a warning, then retries
  auto warnings = watch.take(GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(std::get<1>(warnings[0]), GST_RESOURCE_ERROR_OPEN_READ);
  EXPECT_NE(std::get<2>(warnings[0]).find(link), std::string::npos);

  auto pty = std::make_unique<Pty>();
  ASSERT_EQ(symlink(pty->slave.c_str(), link.c_str()), 0);
  pty->write("1,2\n3,4\n");
  GstBuffer* b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DISCONT));
  const GstClockTime anchor = GST_BUFFER_PTS(b);
  gst_buffer_unref(b);
  b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DISCONT));
  EXPECT_EQ(GST_BUFFER_PTS(b), anchor + 10 * GST_MSECOND);  // nominal: first arrival + n / rate
  gst_buffer_unref(b);

  // Unplug, replug on another pty behind the same link.
  unlink(link.c_str());
  pty.reset();
  pty = std::make_unique<Pty>();
  ASSERT_EQ(symlink(pty->slave.c_str(), link.c_str()), 0);
  pty->write("5,6\n");
  b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(buffer_floats(b), (std::vector<float>{5, 6}));
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DISCONT));
  edge::gst::ClipInfo meta;
  ASSERT_TRUE(edge::gst::clip_meta_get(b, &meta));
  EXPECT_EQ(meta.clip_id, link + "#1");
  gst_buffer_unref(b);
  guint reconnects = 0;
  g_object_get(h->element, "reconnects", &reconnects, nullptr);
  EXPECT_EQ(reconnects, 1u);
  warnings = watch.take(GST_MESSAGE_WARNING);
  bool saw_disconnect = false;
  for (auto& w : warnings)
    saw_disconnect |= std::get<2>(w).find("disconnected") != std::string::npos;
  EXPECT_TRUE(saw_disconnect);
  gst_harness_teardown(h);  // stops promptly although the read waits forever
  unlink(link.c_str());
}

}  // namespace
