// SIGINT and SIGTERM as a request to stop a live pipeline cleanly.
//
// While a StopOnSignals object lives, SIGINT and SIGTERM only set a flag: run_pipeline()
// (tools/edgestream/commands.h) sees it within 200 ms, sends EOS so every element finishes
// (a sink closes its file), waits for that EOS at most `kStopGraceMs`, and returns normally,
// so destructors run and temporary files go. A second signal ends the wait at once. The
// previous handlers are restored when the object goes. Without such an object the signals
// keep their default meaning (a dataset run is not cut short into something that looks
// complete).
//
// Thread safety: one object at a time per process; stop_signal() may be read from any thread.
#pragma once

namespace edge::cli {

constexpr int kStopGraceMs = 3000;

class StopOnSignals {
 public:
  StopOnSignals();
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;
};

// The last signal that asked to stop (SIGINT or SIGTERM), 0 when none.
int stop_signal();
// How many stop signals came.
int stop_signal_count();

}  // namespace edge::cli
