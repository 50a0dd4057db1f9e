// The IMU source without GStreamer: recordings cut into chunks with n / rate timestamps, clips
// at blank lines, bad lines reported and counted, a refused channel count, settings errors;
// a pseudo-terminal for live arrival stamps and a hang-up with on-disconnect=eos.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/error.h"
#include "io/imu_source.h"

namespace edge::io {
namespace {

// Records what the source reports.
struct Recorder : ImuSource::Listener {
  uint64_t now = 5000;
  bool accept_channels = true;
  std::vector<int> channels;
  std::vector<ImuClip> clips;
  std::vector<std::string> bad;
  int reported = 0;
  bool ended = false;
  int no_frames_calls = 0;

  uint64_t now_ns() override { return now; }
  bool channels_known(int c) override {
    channels.push_back(c);
    return accept_channels;
  }
  void clip_started(const ImuClip& clip) override { clips.push_back(clip); }
  void bad_line(const ParsedLine& line, bool report, uint64_t) override {
    bad.push_back(std::string(line.text));
    reported += report;
  }
  void disconnected(bool ending) override { ended = ending; }
  void no_frames() override { ++no_frames_calls; }
};

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/edge_imu_source_XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
    path = name;
  }
  ~TempFile() { std::remove(path.c_str()); }
  std::string path;
};

struct Chunks {
  std::vector<ImuChunk> chunks;
  std::vector<std::vector<float>> data;
  ImuSource::Status last;
};

Chunks read_all(ImuSource& source) {
  Chunks run;
  ImuChunk chunk;
  while ((run.last = source.next(&chunk)) == ImuSource::Status::kChunk) {
    run.chunks.push_back(chunk);
    run.data.emplace_back(chunk.data, chunk.data + chunk.frames * chunk.channels);
  }
  return run;
}

TEST(ImuSource, RecordingIsCutIntoTimedChunksAndClips) {
  TempFile file("aX,aY\n1,2\n3,4\n5,6\n\n7,8\nbad\n9,10\n");
  ImuSourceSettings s;
  s.location = file.path;
  s.rate = 4;  // 250 ms per frame
  s.frames_per_buffer = 2;
  s.separators_as_clips = true;
  s.label = "punch";
  Canceller cancel;
  Recorder events;
  ImuSourceStatistics stats;
  ImuSource source(s, &cancel, &events, &stats);
  EXPECT_FALSE(source.live());
  std::string why;
  ASSERT_TRUE(source.open(&why)) << why;
  const Chunks run = read_all(source);
  EXPECT_EQ(run.last, ImuSource::Status::kEnd);

  EXPECT_EQ(events.channels, std::vector<int>{2});
  ASSERT_EQ(events.clips.size(), 2u);
  const std::string name = file.path.substr(file.path.rfind('/') + 1);
  EXPECT_EQ(events.clips[0].id, name + "#0");
  EXPECT_TRUE(events.clips[0].first);
  EXPECT_EQ(events.clips[0].label, "punch");
  EXPECT_EQ(events.clips[0].source, file.path);
  EXPECT_EQ(events.clips[1].id, name + "#1");
  EXPECT_FALSE(events.clips[1].first);

  // Frames 1-2, 3 (cut at the blank line), 7 + 9 (the bad line skipped).
  ASSERT_EQ(run.chunks.size(), 3u);
  EXPECT_EQ(run.data[0], (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(run.data[1], (std::vector<float>{5, 6}));
  EXPECT_EQ(run.data[2], (std::vector<float>{7, 8, 9, 10}));
  EXPECT_EQ(run.chunks[0].pts_ns, 0u);
  EXPECT_EQ(run.chunks[0].duration_ns, 500000000u);
  EXPECT_EQ(run.chunks[1].pts_ns, 500000000u);
  EXPECT_EQ(run.chunks[2].pts_ns, 750000000u);  // time runs on across clips of a recording
  EXPECT_EQ(run.chunks[2].offset, 3u);
  EXPECT_TRUE(run.chunks[0].discont);
  EXPECT_FALSE(run.chunks[1].discont);
  EXPECT_TRUE(run.chunks[2].discont);  // a new clip

  EXPECT_EQ(events.bad, std::vector<std::string>{"bad"});
  EXPECT_EQ(events.reported, 1);
  EXPECT_EQ(params::published(&stats.lines), 8u);
  EXPECT_EQ(params::published(&stats.frames), 5u);
  EXPECT_EQ(params::published(&stats.bad_lines), 1u);
  EXPECT_EQ(params::published(&stats.headers), 1u);
  EXPECT_EQ(params::published(&stats.separators), 1u);
  EXPECT_EQ(events.no_frames_calls, 0);
}

TEST(ImuSource, RefusedChannelsAndNoFrames) {
  TempFile file("1,2,3\n");
  ImuSourceSettings s;
  s.location = file.path;
  Canceller cancel;
  Recorder events;
  events.accept_channels = false;
  ImuSourceStatistics stats;
  ImuSource refused(s, &cancel, &events, &stats);
  std::string why;
  ASSERT_TRUE(refused.open(&why));
  ImuChunk chunk;
  EXPECT_EQ(refused.next(&chunk), ImuSource::Status::kRefused);

  TempFile empty("x,y\n\n");
  s.location = empty.path;
  ImuSource none(s, &cancel, &events, &stats);
  ASSERT_TRUE(none.open(&why));
  EXPECT_EQ(none.next(&chunk), ImuSource::Status::kEnd);
  EXPECT_EQ(events.no_frames_calls, 1);
}

TEST(ImuSource, SettingsErrorsSayWhatIsWrong) {
  Canceller cancel;
  Recorder events;
  ImuSourceStatistics stats;
  auto error = [&](const ImuSourceSettings& s) {
    try {
      ImuSource source(s, &cancel, &events, &stats);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  ImuSourceSettings s;
  EXPECT_EQ(error(s),
            "Set exactly one of device (a serial port) or location (a recorded CSV file); got "
            "neither");
  s.device = "/dev/ttyACM0";
  s.location = "x.csv";
  EXPECT_NE(error(s).find("got both"), std::string::npos);
  s.location.clear();
  s.baud = 12345;
  EXPECT_NE(error(s).find("baud=12345 is not a supported rate; use one of"), std::string::npos);
  s.baud = 9600;
  s.reconnect_initial_ms = 10;
  s.reconnect_max_ms = 5;
  EXPECT_NE(error(s), "no error");

  ImuSourceSettings file;
  file.location = "/nonexistent/imu.csv";
  ImuSource missing(file, &cancel, &events, &stats);
  std::string why;
  EXPECT_FALSE(missing.open(&why));
  EXPECT_NE(why.find("/nonexistent/imu.csv"), std::string::npos) << why;
}

TEST(ImuSource, LiveFramesCarryArrivalTimesAndEndAtAHangup) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  ImuSourceSettings s;
  s.device = ptsname(master);
  s.timestamp_mode = TimestampMode::kArrival;
  s.on_disconnect = OnDisconnect::kEos;
  s.rate = 100;
  Canceller cancel;
  Recorder events;
  events.now = 123456789;
  ImuSourceStatistics stats;
  ImuSource source(s, &cancel, &events, &stats);
  EXPECT_TRUE(source.live());
  std::string why;
  ASSERT_TRUE(source.open(&why)) << why;
  const std::string lines = "1.5,2.5,3.5\n";
  ASSERT_EQ(write(master, lines.data(), lines.size()), static_cast<ssize_t>(lines.size()));
  ImuChunk chunk;
  ASSERT_EQ(source.next(&chunk), ImuSource::Status::kChunk);
  EXPECT_EQ(chunk.channels, 3);
  EXPECT_EQ(chunk.pts_ns, 123456789u);
  EXPECT_EQ(chunk.duration_ns, 10000000u);  // one frame at 100 Hz
  EXPECT_EQ(chunk.data[2], 3.5f);
  close(master);  // unplugged
  EXPECT_EQ(source.next(&chunk), ImuSource::Status::kEnd);
  EXPECT_TRUE(events.ended);
}

TEST(ImuSource, ACancelledWaitReturns) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  ImuSourceSettings s;
  s.device = ptsname(master);
  Canceller cancel;
  Recorder events;
  ImuSourceStatistics stats;
  ImuSource source(s, &cancel, &events, &stats);
  std::string why;
  ASSERT_TRUE(source.open(&why)) << why;
  cancel.wake();
  ImuChunk chunk;
  EXPECT_EQ(source.next(&chunk), ImuSource::Status::kCancelled);
  close(master);
}

}  // namespace
}  // namespace edge::io
