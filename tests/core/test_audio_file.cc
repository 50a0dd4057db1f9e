// libsndfile reader: formats, scaling, chunked reads, truncated and corrupt files.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sndfile.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "common/error.h"
#include "io/audio_file.h"
#include "tests/core/test_dataset_util.h"

using edge::io::AudioFileReader;
using edge::io::AudioInfo;
using edge::test::TempDir;

namespace {

// Writes a WAV whose integer samples are known exactly.
void write_pcm16(const std::string& path, const std::vector<short>& samples, int channels,
                 int rate) {
  SF_INFO info = {};
  info.samplerate = rate;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
  sf_writef_short(f, samples.data(), static_cast<sf_count_t>(samples.size() / channels));
  sf_close(f);
}

std::string error_of(const std::string& path) {
  try {
    AudioInfo info;
    edge::io::read_audio_file(path, &info);
  } catch (const edge::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(AudioFile, Pcm16ScalesToFullScaleOneInterleaved) {
  TempDir dir;
  // Stereo frames: (0, 16384), (-32768, 32767), (1, -1).
  write_pcm16(dir / "s.wav", {0, 16384, -32768, 32767, 1, -1}, 2, 8000);
  AudioInfo info;
  std::vector<float> s = edge::io::read_audio_file(dir / "s.wav", &info);
  EXPECT_EQ(info.rate, 8000);
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.frames, 3);
  EXPECT_EQ(info.format, "WAV Signed 16 bit PCM");
  ASSERT_EQ(s.size(), 6u);
  EXPECT_FLOAT_EQ(s[0], 0.0f);
  EXPECT_FLOAT_EQ(s[1], 0.5f);
  EXPECT_FLOAT_EQ(s[2], -1.0f);
  EXPECT_FLOAT_EQ(s[3], 32767.0f / 32768.0f);
  EXPECT_FLOAT_EQ(s[4], 1.0f / 32768.0f);
  EXPECT_FLOAT_EQ(s[5], -1.0f / 32768.0f);
}

TEST(AudioFile, OneFrameAndEmptyFile) {
  TempDir dir;
  write_pcm16(dir / "one.wav", {123}, 1, 16000);
  AudioInfo info;
  EXPECT_EQ(edge::io::read_audio_file(dir / "one.wav", &info).size(), 1u);
  write_pcm16(dir / "empty.wav", {}, 1, 16000);
  AudioFileReader empty(dir / "empty.wav");
  EXPECT_EQ(empty.info().frames, 0);
  float buf[4];
  EXPECT_EQ(empty.read(buf, 4), 0u);
}

TEST(AudioFile, ChunkedReadsCoverEveryFrameOnce) {
  TempDir dir;
  std::vector<short> samples(3 * 1001);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<short>(i);
  write_pcm16(dir / "c.wav", samples, 3, 44100);
  AudioFileReader reader(dir / "c.wav");
  std::vector<float> chunk(3 * 256);
  size_t total = 0, calls = 0;
  while (size_t got = reader.read(chunk.data(), 256)) {
    EXPECT_FLOAT_EQ(chunk[0], static_cast<float>(3 * total) / 32768.0f);
    total += got;
    ++calls;
  }
  EXPECT_EQ(total, 1001u);
  EXPECT_EQ(calls, 4u);  // 256 + 256 + 256 + 233
  EXPECT_EQ(reader.position(), 1001);
}

// The reader reads files in 256 KiB blocks and serves libsndfile's reads and seeks from them:
// files of several blocks, in a seeking format (FLAC) too, read in chunks that do not line up
// with the blocks, give exactly what libsndfile's own file access gives.
TEST(AudioFile, FilesOfSeveralReadBlocksEqualLibsndfilesOwnReading) {
  TempDir dir;
  const int channels = 2;
  std::vector<short> samples(static_cast<size_t>(channels) * 300007);  // 1.2 MB of PCM
  uint32_t state = 12345;
  for (short& v : samples) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<short>(state >> 16);
  }
  for (const int format : {SF_FORMAT_WAV | SF_FORMAT_PCM_16, SF_FORMAT_FLAC | SF_FORMAT_PCM_16,
                           SF_FORMAT_WAV | SF_FORMAT_FLOAT}) {
    const std::string path =
        dir / ((format & SF_FORMAT_TYPEMASK) == SF_FORMAT_FLAC   ? "big.flac"
               : (format & SF_FORMAT_SUBMASK) == SF_FORMAT_FLOAT ? "big_float.wav"
                                                                 : "big.wav");
    SF_INFO info = {};
    info.samplerate = 48000;
    info.channels = channels;
    info.format = format;
    SNDFILE* w = sf_open(path.c_str(), SFM_WRITE, &info);
    ASSERT_NE(w, nullptr) << sf_strerror(nullptr);
    sf_writef_short(w, samples.data(), static_cast<sf_count_t>(samples.size() / channels));
    sf_close(w);

    SF_INFO expected_info = {};
    SNDFILE* r = sf_open(path.c_str(), SFM_READ, &expected_info);
    ASSERT_NE(r, nullptr);
    std::vector<float> expected(samples.size());
    ASSERT_EQ(sf_readf_float(r, expected.data(), expected_info.frames), expected_info.frames);
    sf_close(r);

    for (size_t chunk : {size_t{1}, size_t{4093}, size_t{100000}, size_t{400000}}) {
      AudioFileReader reader(path);
      ASSERT_EQ(reader.info().frames, expected_info.frames) << path;
      std::vector<float> got(samples.size() + static_cast<size_t>(channels) * chunk);
      size_t frames = 0;
      while (size_t n = reader.read(got.data() + frames * channels, chunk)) frames += n;
      got.resize(frames * channels);
      EXPECT_EQ(got, expected) << path << ", chunks of " << chunk;
    }
  }
}

TEST(AudioFile, FixtureFormats) {
  const std::string root = edge::test::dataset_fixture("");
  struct Case {
    const char* rel;
    int rate, channels;
    int64_t frames;
    const char* format;
  } cases[] = {
      {"folders/yes/b.flac", 16000, 1, 800, "FLAC Signed 16 bit PCM"},
      {"folders/no/c.ogg", 16000, 1, 1600, "OGG Vorbis"},
      {"urbansound8k/audio/fold1/100032-3-0-0.wav", 48000, 2, 1000, "WAV Signed 24 bit PCM"},
      {"urbansound8k/audio/fold1/100263-2-0-117.wav", 11025, 1, 1000, "WAV Unsigned 8 bit PCM"},
      {"urbansound8k/audio/fold2/102305-6-0-0.wav", 44100, 1, 1000, "WAV 32 bit float"},
  };
  for (const Case& c : cases) {
    AudioInfo info;
    std::vector<float> s = edge::io::read_audio_file(root + c.rel, &info);
    EXPECT_EQ(info.rate, c.rate) << c.rel;
    EXPECT_EQ(info.channels, c.channels) << c.rel;
    EXPECT_EQ(info.frames, c.frames) << c.rel;
    EXPECT_EQ(info.format, c.format) << c.rel;
    float peak = 0;
    for (float v : s) {
      ASSERT_TRUE(std::isfinite(v));
      peak = std::max(peak, std::fabs(v));
    }
    EXPECT_GT(peak, 0.0f) << c.rel << " is silent";
    EXPECT_LE(peak, 1.0f) << c.rel;
  }
}

TEST(AudioFile, TruncatedWavIsAnErrorNamingTheFile) {
  TempDir dir;
  std::vector<short> samples(4000, 1000);
  write_pcm16(dir / "full.wav", samples, 1, 16000);
  dir.copy(dir / "full.wav", "cut.wav", 44 + 2000);  // header + 1000 of 4000 frames
  std::string e = error_of(dir / "cut.wav");
  EXPECT_NE(e.find(dir / "cut.wav"), std::string::npos) << e;
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
}

TEST(AudioFile, TruncatedFlacIsAnError) {
  TempDir dir;
  dir.copy(edge::test::dataset_fixture("folders/yes/b.flac"), "cut.flac", 300);
  std::string e = error_of(dir / "cut.flac");
  EXPECT_NE(e.find("cut.flac"), std::string::npos) << e;
}

TEST(AudioFile, GarbageMissingAndHeaderOnlyFiles) {
  TempDir dir;
  dir.write("garbage.wav", std::string(500, 'x'));
  dir.copy(edge::test::dataset_fixture("folders/yes/a.wav"), "header.wav", 30);
  dir.write("empty.wav", "");
  for (const char* name : {"garbage.wav", "header.wav", "empty.wav", "missing.wav"}) {
    std::string e = error_of(dir / name);
    EXPECT_NE(e.find(name), std::string::npos) << name << ": " << e;
    EXPECT_NE(e.find("cannot read audio"), std::string::npos) << name << ": " << e;
  }
}

TEST(AudioFile, DisplayNameInErrors) {
  try {
    AudioFileReader reader("/nonexistent/x.wav", "audio/fold1/x.wav");
    FAIL();
  } catch (const edge::Error& e) {
    EXPECT_EQ(std::string(e.what()).find("audio/fold1/x.wav: cannot read audio"), 0u);
  }
}

TEST(AudioFile, RealStereoSceneClip) {
  EDGE_REQUIRE_SHARED(path, "sound/dcase-example/acoustic_scene.wav");
  AudioFileReader reader(path);
  EXPECT_EQ(reader.info().rate, 44100);
  EXPECT_EQ(reader.info().channels, 2);
  EXPECT_EQ(reader.info().frames, 441001);  // 10 s and one frame
}

// Issue 11.3: opening a FIFO as audio blocked until a writer came (forever). It is refused by
// type at once.
TEST(AudioFile, FifoAndDevicesAreRefusedWithoutBlocking) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe.wav").c_str(), 0644), 0);
  EXPECT_EQ(error_of(dir / "pipe.wav"),
            dir / "pipe.wav" + ": cannot read audio: is a FIFO, not a regular file");
  EXPECT_EQ(error_of("/dev/zero"),
            "/dev/zero: cannot read audio: is a character device, not a "
            "regular file");
}

// Issue 11.11: libsndfile's "SF_INFO struct incomplete" for a WAV whose header says 0 Hz
// reached the user as it was; the message says what is wrong with the file.
TEST(AudioFile, ZeroRateOrChannelsInTheWavHeaderIsNamed) {
  TempDir dir;
  write_pcm16(dir / "ok.wav", {1, 2, 3, 4}, 1, 8000);
  std::ifstream in(dir / "ok.wav", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.compare(12, 4, "fmt "), 0);
  std::string zero_rate = bytes, zero_channels = bytes;
  zero_rate.replace(24, 4, std::string(4, '\0'));
  zero_channels.replace(22, 2, std::string(2, '\0'));
  dir.write("rate0.wav", zero_rate);
  dir.write("channels0.wav", zero_channels);
  std::string e = error_of(dir / "rate0.wav");
  EXPECT_NE(e.find("rate0.wav: cannot read audio: its WAV header declares a sample rate of 0 Hz"),
            std::string::npos)
      << e;
  e = error_of(dir / "channels0.wav");
  EXPECT_NE(e.find("channels0.wav: cannot read audio: its WAV header declares 0 channels"),
            std::string::npos)
      << e;
}

// A fmt chunk shorter than the 16 bytes every WAV format needs is named as such, whether its
// declared size is short or the file ends inside it; libsndfile only says it cannot open it.
TEST(AudioFile, ShortFmtChunkIsNamed) {
  TempDir dir;
  write_pcm16(dir / "ok.wav", {1, 2, 3, 4}, 1, 8000);
  std::ifstream in(dir / "ok.wav", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.compare(12, 4, "fmt "), 0);
  std::string short_size = bytes;
  short_size.replace(16, 4, std::string("\x08\0\0\0", 4));
  dir.write("short.wav", short_size);
  dir.write("cut.wav", bytes.substr(0, 12 + 8 + 10));  // the file ends inside the fmt chunk
  for (const char* name : {"short.wav", "cut.wav"}) {
    const std::string e = error_of(dir / name);
    EXPECT_NE(
        e.find(std::string(name) + ": cannot read audio: its fmt chunk is shorter than 16 bytes"),
        std::string::npos)
        << e;
  }
}

namespace {

// Every frame of `path` through one decoder, read in chunks of `chunk` frames.
std::vector<float> decode_all(const std::string& path, edge::io::AudioDecoder decoder, size_t chunk,
                              bool* direct = nullptr) {
  AudioFileReader reader(path, "", decoder);
  if (direct) *direct = reader.direct();
  const size_t channels = static_cast<size_t>(reader.info().channels);
  std::vector<float> all(static_cast<size_t>(reader.info().frames) * channels + chunk * channels);
  size_t frames = 0;
  while (size_t n = reader.read(all.data() + frames * channels, chunk)) frames += n;
  all.resize(frames * channels);
  return all;
}

// Bit patterns, so that NaNs and signed zeros compare too.
std::vector<uint32_t> bits_of(const std::vector<float>& v) {
  std::vector<uint32_t> bits(v.size());
  std::memcpy(bits.data(), v.data(), v.size() * sizeof(float));
  return bits;
}

void write_format(const std::string& path, int format, int channels, const float* frames,
                  sf_count_t count) {
  SF_INFO info = {};
  info.samplerate = 16000;
  info.channels = channels;
  info.format = format;
  SNDFILE* w = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(w, nullptr) << path << ": " << sf_strerror(nullptr);
  sf_command(w, SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
  ASSERT_EQ(sf_writef_float(w, frames, count), count);
  sf_close(w);
}

}  // namespace

// The direct WAV decoder is taken exactly for little-endian 16-bit PCM and 32-bit float WAV
// (plain and WAVE_FORMAT_EXTENSIBLE); everything else goes through libsndfile.
TEST(AudioFile, DirectPathOnlyForLittleEndianPcm16AndFloatWav) {
  TempDir dir;
  std::vector<float> frames(2 * 100);
  for (size_t i = 0; i < frames.size(); ++i) frames[i] = std::sin(0.01f * float(i)) * 0.5f;
  struct Case {
    const char* name;
    int format;
    bool direct;
  } cases[] = {
      {"pcm16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, true},
      {"float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, true},
      {"pcm16x.wav", SF_FORMAT_WAVEX | SF_FORMAT_PCM_16, true},
      {"floatx.wav", SF_FORMAT_WAVEX | SF_FORMAT_FLOAT, true},
      {"pcm24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, false},
      {"u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, false},
      {"double.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, false},
      {"rifx.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16 | SF_ENDIAN_BIG, false},
      {"pcm16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, false},
      {"pcm16.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, false},
  };
  for (const Case& c : cases) {
    write_format(dir / c.name, c.format, 2, frames.data(), 100);
    bool direct = false;
    const std::vector<float> got =
        decode_all(dir / c.name, edge::io::AudioDecoder::kAuto, 33, &direct);
    EXPECT_EQ(direct, c.direct) << c.name;
    bool reference_direct = true;
    const std::vector<float> expected =
        decode_all(dir / c.name, edge::io::AudioDecoder::kLibsndfile, 33, &reference_direct);
    EXPECT_FALSE(reference_direct) << c.name;
    EXPECT_EQ(bits_of(got), bits_of(expected)) << c.name;
  }
}

// Every 16-bit value, in an odd channel count and chunk sizes that split frames across the
// SIMD blocks, and floats with NaN, infinities, signed zeros and subnormals: bit for bit what
// libsndfile gives.
TEST(AudioFile, DirectDecoderEqualsLibsndfileBitForBit) {
  TempDir dir;
  {
    std::vector<short> every(3 * 21846);  // 65,538 samples: all 65,536 values and two more
    for (size_t i = 0; i < every.size(); ++i) every[i] = static_cast<short>(i - 32768);
    write_pcm16(dir / "every.wav", every, 3, 8000);
  }
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> special = {0.0f,  -0.0f,  1.0f,
                                -1.0f, 1e-40f, -1e-45f,
                                inf,   -inf,   std::numeric_limits<float>::quiet_NaN(),
                                3.5f,  -7.25f, 1e30f};
  write_format(dir / "special.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1, special.data(),
               static_cast<sf_count_t>(special.size()));
  for (const char* name : {"every.wav", "special.wav"}) {
    for (size_t chunk : {size_t{1}, size_t{5}, size_t{8}, size_t{1000}, size_t{1 << 20}}) {
      bool direct = false;
      const std::vector<float> got =
          decode_all(dir / name, edge::io::AudioDecoder::kAuto, chunk, &direct);
      ASSERT_TRUE(direct) << name;
      EXPECT_EQ(bits_of(got),
                bits_of(decode_all(dir / name, edge::io::AudioDecoder::kLibsndfile, chunk)))
          << name << ", chunks of " << chunk;
    }
  }
}

// The chunk walk: a chunk of odd length (with its pad byte) before the data, and a data chunk
// whose size is a streaming writer's placeholder (libsndfile counts frames from the file size;
// the direct path steps aside rather than guess).
TEST(AudioFile, DirectPathFollowsRiffChunksAndStepsAsideOnPlaceholderSizes) {
  TempDir dir;
  write_pcm16(dir / "plain.wav", {1, -2, 300, -400, 5000, -6000, 32767, -32768}, 1, 8000);
  std::ifstream in(dir / "plain.wav", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t data_at = bytes.find("data");
  ASSERT_NE(data_at, std::string::npos);

  std::string odd = bytes;
  odd.insert(data_at, std::string("junk\x03\0\0\0abc\0", 12));
  const uint32_t riff = static_cast<uint32_t>(odd.size() - 8);
  odd.replace(4, 4, std::string(reinterpret_cast<const char*>(&riff), 4));
  dir.write("odd.wav", odd);
  bool direct = false;
  const std::vector<float> got =
      decode_all(dir / "odd.wav", edge::io::AudioDecoder::kAuto, 3, &direct);
  EXPECT_TRUE(direct);
  EXPECT_EQ(got, decode_all(dir / "plain.wav", edge::io::AudioDecoder::kLibsndfile, 3));

  std::string placeholder = bytes;
  placeholder.replace(data_at + 4, 4, std::string(4, '\xff'));
  dir.write("placeholder.wav", placeholder);
  const std::vector<float> streamed =
      decode_all(dir / "placeholder.wav", edge::io::AudioDecoder::kAuto, 3, &direct);
  EXPECT_FALSE(direct);
  EXPECT_EQ(streamed, got);
}

// A file cut short while it is being read (after the header was checked) is an error naming
// the file, never a clip silently shorter than its header says.
TEST(AudioFile, DirectPathFileCutWhileReadingIsAnError) {
  TempDir dir;
  std::vector<short> samples(600000, 7);  // 1.2 MB: more than one read block
  write_pcm16(dir / "long.wav", samples, 1, 16000);
  AudioFileReader reader(dir / "long.wav");
  ASSERT_TRUE(reader.direct());
  ASSERT_EQ(::truncate((dir / "long.wav").c_str(), 500000), 0);
  std::vector<float> out(4096);
  try {
    while (reader.read(out.data(), out.size()) > 0) {
    }
    FAIL() << "no error for a file cut while reading";
  } catch (const edge::Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "long.wav" + ": truncated"), std::string::npos)
        << e.what();
  }
}

// Every clip of the real UrbanSound8K folds: the direct path and libsndfile agree bit for bit.
TEST(AudioFile, RealClipsDecodeTheSameDirectAndThroughLibsndfile) {
  EDGE_REQUIRE_SHARED(root, "sound/urbansound8k-folds1-2/audio");
  size_t clips = 0, direct_clips = 0;
  for (const char* fold : {"fold1", "fold2"}) {
    const std::string folder = root + "/" + fold;
    DIR* d = ::opendir(folder.c_str());
    ASSERT_NE(d, nullptr) << folder;
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() < 4 || name.compare(name.size() - 4, 4, ".wav") != 0) continue;
      bool direct = false;
      const std::vector<float> got =
          decode_all(folder + "/" + name, edge::io::AudioDecoder::kAuto, 16384, &direct);
      EXPECT_EQ(bits_of(got), bits_of(decode_all(folder + "/" + name,
                                                 edge::io::AudioDecoder::kLibsndfile, 16384)))
          << name;
      ++clips;
      direct_clips += direct ? 1 : 0;
    }
    ::closedir(d);
  }
  EXPECT_EQ(clips, 500u);
  EXPECT_EQ(direct_clips, clips);  // all 16-bit PCM WAV
}
