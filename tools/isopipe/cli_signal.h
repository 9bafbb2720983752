/* SIGINT/SIGTERM handling: handlers only count; the main isolate's loop acts on the count. */
#ifndef ISOPIPE_CLI_SIGNAL_H
#define ISOPIPE_CLI_SIGNAL_H

/* Installs the handlers (and ignores SIGPIPE so a closed pipe is an error
 * the pipeline reports, not a silent death). The third signal restores the
 * default action and re-raises it: the process ends at once. */
int cli_signals_install(void);
/* From a SIGXCPU handler (async-signal-safe): when the process is past its
 * soft RLIMIT_CPU, a stop request like SIGINT's, as ffmpeg does, so the
 * output is finished before the hard limit kills; the kernel repeats
 * SIGXCPU every CPU second, which escalates to a stop now, never further. */
void cli_signals_on_xcpu(void);
/* Signals received so far (0, 1, 2). */
int cli_signals_count(void);
/* The first signal's number (0 if none). */
int cli_signals_first(void);

#endif
