// The edgestream wire format, version 1: how a buffer, its caps and its metadata
// travel between edgezmqsink and edgezmqsrc (docs/network.md has the byte layout).
//
// A message is a ZeroMQ multipart message:
//   frame 0      header: "EDGS", version byte (1), flags byte, two zero bytes, then a
//                UTF-8 JSON object of at most kMaxHeaderJson bytes (kind, sender,
//                sequence, caps, timestamps, buffer flags, clip and class metadata,
//                payload sizes)
//   frames 1..n  payload: one frame per tensor (GstMemory), sizes as the header says
// Heartbeats carry no payload frames.
//
// Remote inference (docs/network.md) uses the same messages: a request is a data message
// with a nonzero `request` id sent by a DEALER to a ROUTER; its reply is a kResult with the
// same id. Both fields are optional JSON members, so version 1 readers that predate them
// read such messages as ordinary data (unknown fields are ignored).
//
// decode_message() treats every byte as untrusted: it checks the preamble, the JSON
// (size, nesting, types, ranges, string lengths), the caps string (media type, tensor
// types and dimensions) and that every payload frame has exactly the size the header
// and the caps say, and returns a RejectReason with a sentence for a person otherwise.
// No GStreamer here: the caps check is the wire format's own, the element then parses
// the caps with GStreamer as well.
//
// Thread safety: free functions with no shared state; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edge::net {

constexpr char kMagic[4] = {'E', 'D', 'G', 'S'};
constexpr uint8_t kWireVersion = 1;
constexpr size_t kPreambleSize = 8;       // magic, version, flags, 2 reserved zero bytes
constexpr size_t kMaxHeaderJson = 65536;  // bytes of JSON after the preamble
constexpr size_t kMaxJsonDepth = 4;       // {"clip":{...}} and {"classes":[{...}]} need 3
constexpr size_t kMaxString = 4096;       // bytes of any string field but caps
constexpr size_t kMaxCapsString = 8192;   // bytes of the caps string
constexpr size_t kMaxPayloadFrames = 16;  // as other/tensors' num_tensors
constexpr size_t kMaxClasses = 1024;      // entries of the class metadata

// Header flag bits (byte 5). Unknown bits are refused.
constexpr uint8_t kFlagFinal = 0x01;  // heartbeat: the sender stops after this message

// "No value" for timestamps and offsets, the same bit pattern as GST_CLOCK_TIME_NONE
// and GST_BUFFER_OFFSET_NONE.
constexpr uint64_t kNone = UINT64_MAX;

enum class MessageKind : uint8_t {
  kTensors,    // a buffer of tensors (or raw audio) without class metadata
  kResult,     // a buffer with class metadata (top-k labels and scores)
  kHeartbeat,  // no payload: the sender's counters; sent at EOS with kFlagFinal
};
const char* message_kind_name(MessageKind kind);  // "tensors", "result", "heartbeat"

struct WireClip {  // EdgeClipMeta
  std::string clip_id;
  std::string label;
  int32_t label_index = -1;
  int32_t fold = -1;
  std::string source;
  int64_t window_index = -1;
};

struct WireClass {  // one EdgeClassMeta entry
  std::string label;
  int32_t index = -1;
  float score = 0.0f;  // NaN and infinities travel as JSON null and come back as NaN
};

struct WireMessage {
  MessageKind kind = MessageKind::kTensors;
  uint8_t flags = 0;     // kFlag* bits
  std::string sender;    // sender id, 1..kMaxString bytes
  uint64_t session = 0;  // random per sender start: a new session restarts sequence counting
  uint64_t seq = 0;      // data messages: 0, 1, 2... per session; heartbeat: next seq to be used
  std::string caps;      // data messages: GStreamer caps string (other/tensors or audio/x-raw)
  uint64_t pts = kNone, dts = kNone, duration = kNone;  // nanoseconds
  uint64_t offset = kNone, offset_end = kNone;
  uint32_t buffer_flags = 0;  // GstBufferFlags
  bool has_clip = false;
  WireClip clip;
  std::vector<WireClass> classes;       // kResult: best first
  uint64_t latency_ns = 0;              // kResult: the model's invoke time
  std::string model;                    // kResult: which model answered ("remote", "local"),
                                        // empty: not said; at most kMaxString bytes
  uint64_t request = 0;                 // data: remote-inference request id, 0 = none
  std::vector<uint64_t> payload_sizes;  // one per payload frame
  uint64_t sent = 0, dropped = 0;       // kHeartbeat: the sender's counters so far
};

// Why a message was refused; each is counted apart by the receiver.
enum class RejectReason : uint8_t {
  kMalformed,  // not an edgestream message: frame count, preamble, magic, flags, JSON
  kVersion,    // an edgestream message of a version this build does not read
  kOversized,  // header or whole message larger than the limits
  kCaps,       // caps string unparsable, or a media type/format the wire does not carry
  kPayload,    // payload frame count or sizes differ from the header or from the caps
};
constexpr size_t kRejectReasonCount = 5;
const char* reject_reason_name(RejectReason reason);  // "malformed", "version", ...

struct DecodeError {
  RejectReason reason = RejectReason::kMalformed;
  std::string detail;  // for a person: what was expected and what was found
};

struct Frame {
  const void* data = nullptr;
  size_t size = 0;
};

// True when `text` is valid UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF).
bool valid_utf8(const std::string& text);

// Writes frame 0 for `message` into *out (cleared first; its capacity is reused, so a
// caller that keeps one string allocates nothing once it has grown). Strings that are
// not valid UTF-8 have the offending bytes replaced by U+FFFD. Data messages must list
// their payload sizes in message.payload_sizes.
void encode_header(const WireMessage& message, std::string* out);

// Validates and decodes a whole multipart message. `max_message_size` bounds the sum
// of all frames. On failure returns false and fills *error; *out is then unspecified.
bool decode_message(const Frame* frames, size_t n_frames, size_t max_message_size, WireMessage* out,
                    DecodeError* error);

// What a caps string says about payload frames, as the wire format checks it:
// other/tensors (format=static): one frame per tensor of exactly `sizes[i]` bytes;
// audio/x-raw: one frame whose size is a positive multiple of `frame_bytes`.
struct PayloadLayout {
  bool audio = false;
  std::vector<uint64_t> sizes;  // tensors
  uint64_t frame_bytes = 0;     // audio: channels x bytes per sample
};
// False with a reason in *error when the caps string is not one the wire carries.
bool payload_layout_from_caps(const std::string& caps, PayloadLayout* layout, std::string* error);

// Whether payload frames of `sizes[0..n)` bytes are what `layout` says: tensors one frame of
// exactly its size each, audio one non-empty frame of whole sample frames. False with a
// sentence in *error otherwise.
bool payload_fits(const PayloadLayout& layout, const uint64_t* sizes, size_t n, std::string* error);

// Caps text in the one form that GStreamer 1.14's and 1.22's parsers both read. Inside a
// quoted (string) value 1.14 takes only [A-Za-z0-9_+-/:.] and backslash escapes, so it
// refuses the unescaped ',' of `types=(string)"float32,uint8"` that 1.22 writes; both read
// escapes. So every other character inside quotes is escaped: printable ASCII as "\c", any
// other byte as octal "\ooo"; text outside quotes and existing escapes stay as they are.
// Senders put caps on the wire in this form, receivers apply it again before parsing (a
// peer of another build may not have), so either side may run either version.
std::string portable_caps(const std::string& caps);

// The sender side of one stream, without GStreamer: edgezmqsink and remote inference give
// it the caps once and, per message, the fields of message() and the payload frames; it
// checks the frames against the caps and writes frame 0. Once its strings have grown, a
// stream of messages allocates nothing.
//
// Thread safety: one thread at a time.
class DataEncoder {
 public:
  // Sets the caps every message carries (in portable_caps form). False with a sentence in
  // *error when the wire does not carry them (too long, media type, format, types, shapes);
  // the previous caps stay then.
  bool set_caps(const std::string& caps, std::string* error);
  bool has_caps() const { return has_caps_; }
  const PayloadLayout& layout() const { return layout_; }

  // The next message: the caller sets kind, sender, session, seq, timestamps, flags, clip,
  // classes, latency, model and request. caps and payload_sizes are the encoder's.
  WireMessage& message() { return message_; }

  // Writes frame 0 for payload frames `payload[0..n)` into *header (its capacity reused).
  // False with a sentence in *error, and *header untouched, when there are no caps yet or
  // the frames are not what the caps say.
  bool encode(const Frame* payload, size_t n, std::string* header, std::string* error);

 private:
  WireMessage message_;
  PayloadLayout layout_;
  bool has_caps_ = false;
};

}  // namespace edge::net
