// Wire format v1: round trips of every field, and every rejection reason.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "net/wire.h"

namespace edge::net {
namespace {

const char kCaps[] =
    "other/tensors, format=(string)static, num_tensors=(int)2, types=(string)\"float32,int8\", "
    "dimensions=(string)\"6:30,3\", framerate=(fraction)0/1";

WireMessage sample_message() {
  WireMessage m;
  m.kind = MessageKind::kResult;
  m.sender = "edge-\"punch\"\n\xc3\xa9";  // quote, control char and UTF-8 survive
  m.session = 0xFEDCBA9876543210ull;
  m.seq = 41;
  m.caps = kCaps;
  m.pts = 1500000000;
  m.dts = 1400000000;
  m.duration = 300000000;
  m.offset = 7;
  m.buffer_flags = 0x2040;
  m.has_clip = true;
  m.clip = {"punch.csv#3", "punch", 1, 2, "imu/punch.csv", 12};
  m.classes = {{"punch", 1, 0.875f}, {"flex", 0, 0.125f}};
  m.latency_ns = 123456;
  m.payload_sizes = {720, 3};
  return m;
}

struct Encoded {
  std::string header;
  std::vector<std::string> payloads;
  std::vector<Frame> frames() const {
    std::vector<Frame> f{{header.data(), header.size()}};
    for (const auto& p : payloads) f.push_back({p.data(), p.size()});
    return f;
  }
};

Encoded encode(const WireMessage& m) {
  Encoded e;
  encode_header(m, &e.header);
  for (uint64_t size : m.payload_sizes) e.payloads.emplace_back(size, '\x5a');
  return e;
}

DecodeError expect_reject(const Encoded& e, RejectReason reason, size_t max = 1 << 20) {
  auto frames = e.frames();
  WireMessage out;
  DecodeError error;
  EXPECT_FALSE(decode_message(frames.data(), frames.size(), max, &out, &error));
  EXPECT_EQ(reject_reason_name(error.reason), std::string(reject_reason_name(reason)))
      << error.detail;
  EXPECT_FALSE(error.detail.empty());
  return error;
}

// Replaces the JSON of an encoded header.
Encoded with_json(const std::string& json, std::vector<std::string> payloads = {}) {
  Encoded e;
  e.header = std::string("EDGS\x01\x00\x00\x00", 8) + json;
  e.payloads = std::move(payloads);
  return e;
}

TEST(Wire, ResultRoundTripKeepsEveryField) {
  const WireMessage m = sample_message();
  Encoded e = encode(m);
  ASSERT_EQ(e.header.compare(0, 8, std::string("EDGS\x01\x00\x00\x00", 8)), 0);
  auto frames = e.frames();
  WireMessage d;
  DecodeError error;
  ASSERT_TRUE(decode_message(frames.data(), frames.size(), 1 << 20, &d, &error)) << error.detail;
  EXPECT_EQ(d.kind, MessageKind::kResult);
  EXPECT_EQ(d.sender, m.sender);
  EXPECT_EQ(d.session, m.session);
  EXPECT_EQ(d.seq, 41u);
  EXPECT_EQ(d.caps, m.caps);
  EXPECT_EQ(d.pts, m.pts);
  EXPECT_EQ(d.dts, m.dts);
  EXPECT_EQ(d.duration, m.duration);
  EXPECT_EQ(d.offset, 7u);
  EXPECT_EQ(d.offset_end, kNone);
  EXPECT_EQ(d.buffer_flags, 0x2040u);
  ASSERT_TRUE(d.has_clip);
  EXPECT_EQ(d.clip.clip_id, "punch.csv#3");
  EXPECT_EQ(d.clip.label, "punch");
  EXPECT_EQ(d.clip.label_index, 1);
  EXPECT_EQ(d.clip.fold, 2);
  EXPECT_EQ(d.clip.source, "imu/punch.csv");
  EXPECT_EQ(d.clip.window_index, 12);
  ASSERT_EQ(d.classes.size(), 2u);
  EXPECT_EQ(d.classes[0].label, "punch");
  EXPECT_EQ(d.classes[0].index, 1);
  EXPECT_FLOAT_EQ(d.classes[0].score, 0.875f);
  EXPECT_EQ(d.latency_ns, 123456u);
  EXPECT_EQ(d.payload_sizes, (std::vector<uint64_t>{720, 3}));
}

TEST(Wire, TensorsWithoutTimestampsOrClip) {
  WireMessage m;
  m.sender = "a";
  m.caps = "other/tensors,format=static,num_tensors=1,types=uint8,dimensions=5";
  m.payload_sizes = {5};
  Encoded e = encode(m);
  // Absent values are left out of the JSON altogether.
  EXPECT_EQ(e.header.substr(8),
            "{\"kind\":\"tensors\",\"sender\":\"a\",\"session\":0,\"seq\":0,\"caps\":"
            "\"other/tensors,format=static,num_tensors=1,types=uint8,dimensions=5\","
            "\"flags\":0,\"sizes\":[5]}");
  auto frames = e.frames();
  WireMessage d;
  DecodeError error;
  ASSERT_TRUE(decode_message(frames.data(), frames.size(), 1000, &d, &error)) << error.detail;
  EXPECT_EQ(d.pts, kNone);
  EXPECT_EQ(d.duration, kNone);
  EXPECT_FALSE(d.has_clip);
  EXPECT_TRUE(d.classes.empty());
}

// Remote inference: a request is a tensors message with a request id; its reply a result
// with the same id and the answering model. Both fields are optional, so a header without
// them (an older sender) reads as request 0 and no model.
TEST(Wire, RequestAndReplyCarryTheRequestIdAndModel) {
  WireMessage request;
  request.sender = "edge";
  request.request = 18446744073709551615ull;  // the full uint64 range survives
  request.caps = "other/tensors,format=static,num_tensors=1,types=float32,dimensions=1";
  request.payload_sizes = {4};
  Encoded e = encode(request);
  EXPECT_NE(e.header.find("\"request\":18446744073709551615"), std::string::npos) << e.header;
  auto frames = e.frames();
  WireMessage d;
  DecodeError error;
  ASSERT_TRUE(decode_message(frames.data(), frames.size(), 1000, &d, &error)) << error.detail;
  EXPECT_EQ(d.kind, MessageKind::kTensors);
  EXPECT_EQ(d.request, 18446744073709551615ull);
  EXPECT_TRUE(d.model.empty());

  WireMessage reply = sample_message();
  reply.request = 7;
  reply.model = "server-big";
  e = encode(reply);
  frames = e.frames();
  ASSERT_TRUE(decode_message(frames.data(), frames.size(), 1 << 20, &d, &error)) << error.detail;
  EXPECT_EQ(d.kind, MessageKind::kResult);
  EXPECT_EQ(d.request, 7u);
  EXPECT_EQ(d.model, "server-big");
  ASSERT_EQ(d.classes.size(), 2u);

  // No request id and no model: request 0, model empty.
  e = encode(sample_message());
  EXPECT_EQ(e.header.find("\"request\""), std::string::npos);
  EXPECT_EQ(e.header.find("\"model\""), std::string::npos);
  frames = e.frames();
  ASSERT_TRUE(decode_message(frames.data(), frames.size(), 1 << 20, &d, &error)) << error.detail;
  EXPECT_EQ(d.request, 0u);
  EXPECT_TRUE(d.model.empty());

  // Mistyped or oversized fields are refused like every other field.
  const std::string caps =
      "\"caps\":\"other/tensors,format=static,num_tensors=1,types=uint8,dimensions=1\"";
  expect_reject(with_json("{\"kind\":\"tensors\",\"sender\":\"a\",\"session\":0,\"seq\":0," + caps +
                              ",\"request\":-3,\"sizes\":[1]}",
                          {"x"}),
                RejectReason::kMalformed);
  expect_reject(with_json("{\"kind\":\"tensors\",\"sender\":\"a\",\"session\":0,\"seq\":0," + caps +
                              ",\"request\":\"7\",\"sizes\":[1]}",
                          {"x"}),
                RejectReason::kMalformed);
  expect_reject(with_json("{\"kind\":\"result\",\"sender\":\"a\",\"session\":0,\"seq\":0," + caps +
                              ",\"classes\":[],\"model\":7,\"sizes\":[1]}",
                          {"x"}),
                RejectReason::kMalformed);
  reply.model = std::string(kMaxString + 1, 'm');
  expect_reject(encode(reply), RejectReason::kOversized);
}

TEST(Wire, HeartbeatCarriesCountersAndTheFinalFlag) {
  WireMessage m;
  m.kind = MessageKind::kHeartbeat;
  m.flags = kFlagFinal;
  m.sender = "edge-1";
  m.seq = 100;
  m.sent = 97;
  m.dropped = 3;
  Encoded e = encode(m);
  EXPECT_EQ(static_cast<uint8_t>(e.header[5]), kFlagFinal);
  auto frames = e.frames();
  WireMessage d;
  DecodeError error;
  ASSERT_TRUE(decode_message(frames.data(), 1, 100, &d, &error)) << error.detail;
  EXPECT_EQ(d.kind, MessageKind::kHeartbeat);
  EXPECT_EQ(d.flags, kFlagFinal);
  EXPECT_EQ(d.seq, 100u);
  EXPECT_EQ(d.sent, 97u);
  EXPECT_EQ(d.dropped, 3u);
  // A heartbeat with a payload frame is refused.
  e.payloads = {"x"};
  expect_reject(e, RejectReason::kPayload);
}

TEST(Wire, AudioPayloadMustBeWholeSampleFrames) {
  WireMessage m;
  m.sender = "mic";
  m.caps =
      "audio/x-raw, format=(string)S16LE, layout=(string)interleaved, rate=(int)22050, "
      "channels=(int)2";
  m.payload_sizes = {8};
  Encoded e = encode(m);
  auto frames = e.frames();
  WireMessage d;
  DecodeError error;
  ASSERT_TRUE(decode_message(frames.data(), frames.size(), 1000, &d, &error)) << error.detail;
  m.payload_sizes = {6};  // one and a half stereo S16 frames
  expect_reject(encode(m), RejectReason::kPayload);
}

TEST(Wire, NonFiniteScoresTravelAsNullAndInvalidUtf8IsReplaced) {
  WireMessage m = sample_message();
  m.classes[0].score = std::nanf("");
  m.classes[1].score = INFINITY;
  m.clip.label = std::string("bad\xff\xfe");
  Encoded e = encode(m);
  auto frames = e.frames();
  WireMessage d;
  DecodeError error;
  ASSERT_TRUE(decode_message(frames.data(), frames.size(), 1 << 20, &d, &error)) << error.detail;
  EXPECT_TRUE(std::isnan(d.classes[0].score));
  EXPECT_TRUE(std::isnan(d.classes[1].score));
  EXPECT_EQ(d.clip.label, "bad\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Wire, EncoderReusesItsBuffer) {
  std::string out;
  const WireMessage m = sample_message();
  encode_header(m, &out);
  const char* data = out.data();
  encode_header(m, &out);
  EXPECT_EQ(out.data(), data);  // same capacity, no new allocation
}

TEST(Wire, RejectsMalformedPreambles) {
  WireMessage dummy;
  DecodeError error;
  EXPECT_FALSE(decode_message(nullptr, 0, 100, &dummy, &error));
  EXPECT_EQ(error.reason, RejectReason::kMalformed);
  expect_reject(with_json("", {}), RejectReason::kMalformed);  // only the preamble
  Encoded e = encode(sample_message());
  e.header[0] = 'X';
  expect_reject(e, RejectReason::kMalformed);
  e = encode(sample_message());
  e.header.resize(5);
  expect_reject(e, RejectReason::kMalformed);
  e = encode(sample_message());
  e.header[4] = 2;
  DecodeError v = expect_reject(e, RejectReason::kVersion);
  EXPECT_NE(v.detail.find("version 2"), std::string::npos) << v.detail;
  e = encode(sample_message());
  e.header[5] = 0x02;  // unknown flag
  expect_reject(e, RejectReason::kMalformed);
  e = encode(sample_message());
  e.header[7] = 1;  // reserved byte
  expect_reject(e, RejectReason::kMalformed);
  e = encode(sample_message());
  e.header[5] = kFlagFinal;  // final is for heartbeats only
  expect_reject(e, RejectReason::kMalformed);
}

TEST(Wire, RejectsBadJson) {
  expect_reject(with_json("{\"kind\":"), RejectReason::kMalformed);
  expect_reject(with_json("[1,2]"), RejectReason::kMalformed);
  expect_reject(with_json(std::string(200, '[') + std::string(200, ']')), RejectReason::kMalformed);
  expect_reject(with_json("{\"kind\":\"x\",\"sender\":\"a\",\"session\":0,\"seq\":0}"),
                RejectReason::kMalformed);
  expect_reject(with_json("{\"kind\":\"heartbeat\",\"sender\":\"\",\"session\":0,\"seq\":0,"
                          "\"sent\":0,\"dropped\":0}"),
                RejectReason::kMalformed);  // empty sender
  expect_reject(with_json("{\"kind\":\"heartbeat\",\"sender\":\"a\",\"session\":0,\"seq\":-1,"
                          "\"sent\":0,\"dropped\":0}"),
                RejectReason::kMalformed);  // negative seq
  expect_reject(with_json("{\"kind\":\"heartbeat\",\"sender\":\"a\",\"session\":0,\"seq\":1.5,"
                          "\"sent\":0,\"dropped\":0}"),
                RejectReason::kMalformed);  // fractional seq
  expect_reject(with_json("{\"kind\":\"heartbeat\",\"sender\":\"a\\u0000b\",\"session\":0,"
                          "\"seq\":0,\"sent\":0,\"dropped\":0}"),
                RejectReason::kMalformed);  // NUL inside a string
  expect_reject(with_json("{\"kind\":\"heartbeat\",\"sender\":\"\xff\",\"session\":0,\"seq\":0,"
                          "\"sent\":0,\"dropped\":0}"),
                RejectReason::kMalformed);  // not UTF-8
  expect_reject(with_json("{\"kind\":\"tensors\",\"sender\":\"a\",\"session\":0,\"seq\":0,"
                          "\"caps\":\"other/tensors,format=static,num_tensors=1,types=uint8,"
                          "dimensions=1\",\"clip\":{\"fold\":-5},\"sizes\":[1]}",
                          {"x"}),
                RejectReason::kMalformed);  // fold out of range
  expect_reject(with_json("{\"kind\":\"result\",\"sender\":\"a\",\"session\":0,\"seq\":0,"
                          "\"caps\":\"other/tensors,format=static,num_tensors=1,types=uint8,"
                          "dimensions=1\",\"classes\":[{\"label\":\"x\"}],\"sizes\":[1]}",
                          {"x"}),
                RejectReason::kMalformed);  // class without a score
}

TEST(Wire, RejectsOversizedParts) {
  WireMessage m = sample_message();
  m.sender = std::string(kMaxString + 1, 's');
  expect_reject(encode(m), RejectReason::kOversized);
  expect_reject(with_json("{\"kind\":\"heartbeat\"" + std::string(kMaxHeaderJson, ' ') + "}"),
                RejectReason::kOversized);
  // The whole message above max-message-size.
  DecodeError e = expect_reject(encode(sample_message()), RejectReason::kOversized, 500);
  EXPECT_NE(e.detail.find("500"), std::string::npos) << e.detail;
  m = sample_message();
  m.classes.assign(kMaxClasses + 1, WireClass{"x", 0, 0.5f});
  expect_reject(encode(m), RejectReason::kOversized, 1 << 30);
}

TEST(Wire, RejectsCapsTheWireDoesNotCarry) {
  WireMessage m = sample_message();
  m.caps = "video/x-raw, format=(string)RGB, width=(int)2, height=(int)2";
  DecodeError e = expect_reject(encode(m), RejectReason::kCaps);
  EXPECT_NE(e.detail.find("video/x-raw"), std::string::npos) << e.detail;
  m.caps = "other/tensors, format=(string)flexible";
  expect_reject(encode(m), RejectReason::kCaps);
  m.caps = "other/tensors, format=static, num_tensors=2, types=float32, dimensions=\"6:30,3\"";
  expect_reject(encode(m), RejectReason::kCaps);  // one type for two tensors
  m.caps =
      "other/tensors, format=static, num_tensors=2, types=\"float32,complex\", "
      "dimensions=\"6:30,3\"";
  expect_reject(encode(m), RejectReason::kCaps);
  m.caps =
      "other/tensors, format=static, num_tensors=2, types=\"float32,int8\", "
      "dimensions=\"6:0,3\"";
  expect_reject(encode(m), RejectReason::kCaps);
  m.caps =
      "other/tensors, format=static, num_tensors=2, types=\"float32,int8\", "
      "dimensions=\"6:99999999999,3\"";
  expect_reject(encode(m), RejectReason::kCaps);
  m.caps = "other/tensors, format=static, num_tensors=1, types=\"float32, dimensions=6";
  expect_reject(encode(m), RejectReason::kCaps);  // unterminated quote
  m.caps = "";
  expect_reject(encode(m), RejectReason::kCaps);
  m.caps = "audio/x-raw, format=(string)S12LE, channels=(int)1";
  expect_reject(encode(m), RejectReason::kCaps);
}

TEST(Wire, RejectsPayloadsThatDisagreeWithHeaderOrCaps) {
  Encoded e = encode(sample_message());
  e.payloads.pop_back();  // one frame short
  expect_reject(e, RejectReason::kPayload);
  e = encode(sample_message());
  e.payloads[0].pop_back();  // frame shorter than the header says
  DecodeError err = expect_reject(e, RejectReason::kPayload);
  EXPECT_NE(err.detail.find("719"), std::string::npos) << err.detail;
  WireMessage m = sample_message();
  m.payload_sizes = {720, 4};  // consistent with the header, not with the caps
  err = expect_reject(encode(m), RejectReason::kPayload);
  EXPECT_NE(err.detail.find("caps say 3"), std::string::npos) << err.detail;
  e = encode(sample_message());
  e.payloads.assign(kMaxPayloadFrames + 1, "x");
  expect_reject(e, RejectReason::kPayload);
}

TEST(Wire, PortableCapsEscapeWhatGStreamer114RefusesInsideQuotes) {
  EXPECT_EQ(portable_caps(kCaps),
            "other/tensors, format=(string)static, num_tensors=(int)2, "
            "types=(string)\"float32\\,int8\", dimensions=(string)\"6:30\\,3\", "
            "framerate=(fraction)0/1");
  // Already escaped (GStreamer 1.14's own output), or nothing quoted: unchanged.
  const std::string escaped = portable_caps(kCaps);
  EXPECT_EQ(portable_caps(escaped), escaped);
  const char plain[] = "audio/x-raw, format=(string)S16LE, rate=(int)16000, channels=(int)1";
  EXPECT_EQ(portable_caps(plain), plain);
  // A space, a quote inside an escape, and UTF-8 bytes.
  EXPECT_EQ(portable_caps("x, a=(string)\"b c\\\"d\xc3\xa9\""),
            "x, a=(string)\"b\\040c\\\"d\\303\\251\"");
  // The wire reads both forms the same way.
  PayloadLayout a, b;
  std::string error;
  ASSERT_TRUE(payload_layout_from_caps(kCaps, &a, &error)) << error;
  ASSERT_TRUE(payload_layout_from_caps(escaped, &b, &error)) << error;
  EXPECT_EQ(a.sizes, b.sizes);
}

TEST(Wire, DataEncoderChecksFramesAgainstTheCapsAndAllocatesNothingOnceWarm) {
  DataEncoder encoder;
  std::string header, error;
  const std::string t0(720, 'a'), t1(3, 'b');
  const Frame payload[2] = {{t0.data(), t0.size()}, {t1.data(), t1.size()}};
  EXPECT_FALSE(encoder.encode(payload, 2, &header, &error));  // no caps yet
  EXPECT_NE(error.find("no caps"), std::string::npos) << error;
  EXPECT_FALSE(encoder.set_caps("video/x-raw, format=(string)GRAY8", &error));
  EXPECT_FALSE(encoder.has_caps());
  ASSERT_TRUE(encoder.set_caps(kCaps, &error)) << error;
  EXPECT_EQ(encoder.message().caps, portable_caps(kCaps));
  WireMessage& m = encoder.message();
  m.sender = "edge-1";
  m.session = 99;
  m.seq = 4;
  m.pts = 1000;
  m.request = 5;
  ASSERT_TRUE(encoder.encode(payload, 2, &header, &error)) << error;
  const std::vector<Frame> frames{{header.data(), header.size()}, payload[0], payload[1]};
  WireMessage d;
  DecodeError decode_error;
  ASSERT_TRUE(decode_message(frames.data(), frames.size(), 1 << 20, &d, &decode_error))
      << decode_error.detail;
  EXPECT_EQ(d.sender, "edge-1");
  EXPECT_EQ(d.seq, 4u);
  EXPECT_EQ(d.request, 5u);
  EXPECT_EQ(d.payload_sizes, (std::vector<uint64_t>{720, 3}));
  const char* data = header.data();
  m.seq = 5;
  ASSERT_TRUE(encoder.encode(payload, 2, &header, &error));
  EXPECT_EQ(header.data(), data);  // same buffer: nothing allocated
  // Frames that disagree with the caps are refused and the header is left alone.
  const std::string before = header;
  EXPECT_FALSE(encoder.encode(payload, 1, &header, &error));
  EXPECT_NE(error.find("2 tensors"), std::string::npos) << error;
  const Frame short_payload[2] = {{t0.data(), 719}, payload[1]};
  EXPECT_FALSE(encoder.encode(short_payload, 2, &header, &error));
  EXPECT_NE(error.find("719"), std::string::npos) << error;
  EXPECT_EQ(header, before);
}

TEST(Wire, LayoutFromCaps) {
  PayloadLayout layout;
  std::string error;
  ASSERT_TRUE(payload_layout_from_caps(kCaps, &layout, &error)) << error;
  EXPECT_FALSE(layout.audio);
  EXPECT_EQ(layout.sizes, (std::vector<uint64_t>{720, 3}));
  ASSERT_TRUE(
      payload_layout_from_caps("audio/x-raw, format=S24_32LE, channels=3", &layout, &error));
  EXPECT_TRUE(layout.audio);
  EXPECT_EQ(layout.frame_bytes, 12u);
  ASSERT_TRUE(payload_layout_from_caps("audio/x-raw, format=(string)F64BE, channels=(int)1",
                                       &layout, &error));
  EXPECT_EQ(layout.frame_bytes, 8u);
  EXPECT_FALSE(payload_layout_from_caps("audio/x-raw, format=F32LE", &layout, &error));
  EXPECT_NE(error.find("channels"), std::string::npos);
}

}  // namespace
}  // namespace edge::net
