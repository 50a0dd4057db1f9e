#include "signal/capture_params.h"

namespace edge::signal {

const params::Table& capture_params() {
  static const params::Table table = [] {
    using S = CaptureSettings;
    using C = CaptureStatistics;
    params::TableBuilder<S, C> b(
        "edgemicsrc",
        "Live audio from PulseAudio, PipeWire or ALSA (chosen or probed, never a silent "
        "fallback), stamped from sample counts and arrivals so dropped audio shows as counted "
        "pts gaps, reconnecting with backoff when the server or device goes away");
    b.choice(
        "api", "API",
        "Capture through pulse (PulseAudio, pipewire-pulse), pipewire or alsa; auto: the "
        "first of these that opens",
        &S::api, "GstEdgeMicSrcApi",
        {{int(CaptureApi::kAuto), "auto", "The first that opens: pulse, pipewire, alsa"},
         {int(CaptureApi::kPulse), "pulse", "PulseAudio (pulsesrc; PipeWire's pipewire-pulse too)"},
         {int(CaptureApi::kPipeWire), "pipewire", "PipeWire (pipewiresrc)"},
         {int(CaptureApi::kAlsa), "alsa", "ALSA (alsasrc)"}});
    b.text("device", "Device",
           "pulse: a source name (pactl list short sources); pipewire: a target object (node "
           "name or serial); alsa: a device (plughw:1,0). Unset: the default. Needs an api "
           "other than auto",
           &S::device)
        .nullable();
    b.choice("on-disconnect", "On disconnect",
             "When the server or device goes away: reconnect (with backoff, warning) or error",
             &S::on_disconnect, "GstEdgeMicSrcOnDisconnect",
             {{int(OnDisconnect::kReconnect), "reconnect",
               "Reconnect: reopen with exponential backoff, warn, go on"},
              {int(OnDisconnect::kError), "error", "Error: the loss ends the stream"}});
    b.number("reconnect-initial-ms", "Reconnect initial delay (ms)",
             "First delay before reopening; doubled after each failed attempt",
             &S::reconnect_initial_ms, 1u, 3600000u);
    b.number("reconnect-max-ms", "Reconnect maximum delay (ms)",
             "Longest delay between two reopen attempts (at least reconnect-initial-ms)",
             &S::reconnect_max_ms, 1u, 3600000u);
    b.number("gap-tolerance-ms", "Gap tolerance (ms)",
             "Timing mismatch up to this is jitter or drift; beyond it (for 0.5 s, or at once "
             "when the capture's own sample offsets jump) audio was dropped",
             &S::gap_tolerance_ms, 1u, 10000u);
    b.number("silence-timeout-ms", "Silence timeout (ms)",
             "A capture that delivers no buffer for this long is gone (an error before the "
             "first buffer, a reconnect after); 0: never",
             &S::silence_timeout_ms, 0u, 3600000u);
    b.statistic("reconnects", "Reconnects", "Times the capture came back after a loss",
                &C::reconnects);
    b.statistic("gaps", "Gaps", "Times audio was dropped while capturing", &C::gaps);
    b.statistic("dropped-frames", "Dropped frames",
                "Frames of audio dropped in all gaps (time away while reconnecting not "
                "included)",
                &C::dropped_frames);
    b.statistic("dropped-seconds", "Dropped seconds", "Seconds of audio dropped in all gaps",
                &C::dropped_seconds);
    return b.build();
  }();
  return table;
}

double count_gap(CaptureStatistics* c, int64_t frames, int rate) {
  const double seconds = static_cast<double>(frames) / rate;
  params::publish(&c->gaps, params::published(&c->gaps) + 1);
  params::publish(&c->dropped_frames,
                  params::published(&c->dropped_frames) + static_cast<uint64_t>(frames));
  params::publish(&c->dropped_seconds, params::published(&c->dropped_seconds) + seconds);
  return seconds;
}

}  // namespace edge::signal
