#include "tools/edgestream/stop_signals.h"

#include <csignal>

namespace edge::cli {
namespace {

volatile std::sig_atomic_t last_signal = 0;
volatile std::sig_atomic_t signal_count = 0;
struct sigaction previous_int, previous_term;

void on_stop_signal(int signal) {
  last_signal = signal;
  signal_count = signal_count + 1;
}

}  // namespace

StopOnSignals::StopOnSignals() {
  last_signal = 0;
  signal_count = 0;
  struct sigaction action = {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

StopOnSignals::~StopOnSignals() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
  last_signal = 0;
  signal_count = 0;
}

int stop_signal() { return last_signal; }
int stop_signal_count() { return signal_count; }

}  // namespace edge::cli
