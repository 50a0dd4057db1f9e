#include "io/imu_source_params.h"

#include <limits>

#include "io/imu_line.h"
#include "io/serial_port.h"

namespace edge::io {
namespace {

std::string check_baud(const params::Value& v) {
  if (is_supported_baud(static_cast<int>(v.i))) return std::string();
  return std::to_string(v.i) + " is not one of the termios rates " + supported_bauds();
}

}  // namespace

const params::Table& imu_source_params() {
  static const params::Table table = [] {
    using S = ImuSourceSettings;
    using C = ImuSourceStatistics;
    params::TableBuilder<S, C> b(
        "edgeimusrc",
        "Reads IMU samples printed as CSV lines from a serial port (termios, reconnecting) or a "
        "recorded CSV file, as F32LE interleaved frames");
    b.text("device", "Serial device",
           "Serial port to read live lines from (e.g. /dev/ttyACM0 or a symlink); exclusive "
           "with location",
           &S::device)
        .nullable();
    b.text("location", "Recorded CSV file",
           "CSV recording to read instead of a device (non-live); exclusive with device",
           &S::location)
        .nullable();
    // An unsupported rate is kept (with a warning) so that start fails with the same message
    // rather than running at the previous rate.
    b.number("baud", "Baud rate",
             "Serial line rate in bit/s, one of the standard termios rates (9600, 19200, 38400, "
             "57600, 115200, 230400, ...); 8N1, raw",
             &S::baud, 50, 4000000)
        .check(check_baud, "a termios rate such as 9600 or 115200")
        .keep_invalid();
    b.number("channels", "Channels",
             "Values per line (frame size); 0 = from the header or the first good line",
             &S::channels, 0, ImuLineConfig::kMaxChannels);
    b.choice("timestamp-mode", "Timestamp mode",
             "How live frames are timestamped (recordings always use n / rate)", &S::timestamp_mode,
             "GstEdgeImuSrcTimestampMode",
             {{int(TimestampMode::kNominal), "nominal",
               "Nominal: first arrival after (re)connect + n / rate (recordings: n / rate)"},
              {int(TimestampMode::kArrival), "arrival",
               "Arrival: pipeline running time when the line was read (live only)"}});
    b.number("rate", "Nominal rate",
             "Nominal sample rate of the sensor in Hz (frames per second): caps rate, nominal "
             "timestamps and real-time pacing",
             &S::rate, 1, 100000);
    b.choice(
        "on-disconnect", "On disconnect",
        "What to do when the serial device goes away or is missing", &S::on_disconnect,
        "GstEdgeImuSrcOnDisconnect",
        {{int(OnDisconnect::kReconnect), "reconnect",
          "Reconnect: reopen with exponential backoff, resume with DISCONT and a new clip"},
         {int(OnDisconnect::kEos), "eos", "EOS: end the stream (a missing device is an error)"}});
    b.number("reconnect-initial-ms", "First reconnect delay",
             "Milliseconds before the first reopen attempt; doubled after each failure up to "
             "reconnect-max-ms",
             &S::reconnect_initial_ms, 1, 60000);
    b.number("reconnect-max-ms", "Longest reconnect delay",
             "Upper bound of the reconnect backoff in milliseconds (>= reconnect-initial-ms)",
             &S::reconnect_max_ms, 1, 600000);
    b.number("frames-per-buffer", "Frames per buffer",
             "Frames (lines) per output buffer; 1 gives the lowest latency. A buffer is cut "
             "short at a clip boundary, a disconnect or the end",
             &S::frames_per_buffer, 1, 10000);
    b.number("max-line-length", "Longest line",
             "Bytes a line may have (without its line end); longer ones are one bad line each "
             "and are dropped up to the next newline",
             &S::max_line_length, 8, 65536);
    b.boolean("separators-as-clips", "Blank lines start clips",
              "A blank line ends the current clip: the next frame starts a new clip (SEGMENT, "
              "clip event, DISCONT, clip meta), as between recorded gestures",
              &S::separators_as_clips);
    b.boolean("realtime", "Real-time replay",
              "For location: deliver frames at the nominal rate in real time instead of as fast "
              "as downstream takes them",
              &S::realtime);
    b.text("label", "Label",
           "Class label written into the clip meta of every buffer (e.g. the gesture being "
           "recorded); empty = unknown",
           &S::label)
        .nullable();
    b.statistic("lines", "Lines", "Lines read since start (good, bad, headers, blank)", &C::lines);
    b.statistic("bad-lines", "Bad lines",
                "Lines skipped since start: wrong field count, non-number, too long",
                &C::bad_lines);
    b.statistic("frames", "Frames", "Good sample lines read since start", &C::frames);
    b.statistic("measured-rate", "Measured rate",
                "Frames per second measured from arrival times over the last second (live "
                "only; 0 until measured)",
                &C::measured_rate);
    b.statistic("reconnects", "Reconnects", "Successful reopenings of the device", &C::reconnects);
    return b.build();
  }();
  return table;
}

}  // namespace edge::io
