#pragma once
// A request to stop a long computation at its next safe point (docs/RELIABILITY.md): SIGINT or
// SIGTERM, once handlers are installed, or a call of request_stop(). Loops that can stop cleanly
// (the experiment runner's rounds, a trainer's steps) poll stop_signal() and, after agreeing
// with their peers, finish the current round, write what they have and exit with
// stop_exit_code(). A second signal means "now": the handler ends the process at once with
// _exit(128 + signal), which writes nothing, so files already renamed into place stay intact
// (staging directories of unfinished outputs may remain; they are hidden and never read).
//
// Process-wide and thread-safe; the handler only stores to a lock-free atomic (async-signal-
// safe).
namespace dcopt {

/// Installs the SIGINT and SIGTERM handlers (idempotent). Call from main(), before threads start.
void install_stop_handlers();

/// The signal that asked the process to stop (SIGINT, SIGTERM, or whatever request_stop()
/// recorded); 0 if nothing did.
int stop_signal();
inline bool stop_requested() { return stop_signal() != 0; }

/// Records a stop request as if `signal` (non-zero) had arrived; the first request wins.
void request_stop(int signal);
/// Forgets a recorded request (tests; a program that handled one and goes on).
void clear_stop_request();

/// The exit code of a process stopped by `signal`, by the shell's convention 128 + signal
/// (130 for SIGINT, 143 for SIGTERM).
inline int stop_exit_code(int signal) { return 128 + signal; }

}  // namespace dcopt
