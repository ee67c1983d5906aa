/* A single-line progress bar on stderr for long commands (fit, predict, report).
 *
 * It draws only when stderr is a terminal and the command was not given --quiet; otherwise
 * every call is a no-op, so redirected output holds nothing but results. The line is redrawn
 * at most ten times a second, erased by wsl_cli_progress_end(), and erased before any error
 * message (wsl_cli_errorf calls wsl_cli_progress_hide()). One bar at a time. */
#ifndef WSL_CLI_PROGRESS_H
#define WSL_CLI_PROGRESS_H

typedef struct wsl_cli_progress {
    const char *cmd; /* "fit": the line starts "wsl fit" */
    int on;          /* drawing: stderr is a terminal and not quiet */
    int drawn;       /* a line is on the screen */
    double t0;       /* start of the current phase, monotonic seconds */
    double last;     /* time of the last draw */
    char phase[96];  /* what is being done: "reading L.csv", "EM" */
} wsl_cli_progress;

/* Start; draws nothing yet. quiet: never draw. */
void wsl_cli_progress_start(wsl_cli_progress *p, const char *cmd, int quiet);

/* Begin a phase (restarts the clock for rate and ETA) and show it at once. */
void wsl_cli_progress_phase(wsl_cli_progress *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * Report progress in the current phase: fraction of the work done in [0, 1] (negative:
 * unknown, no bar and no ETA), count units done so far for the rate ("it", "rows"), and an
 * optional detail shown after the ETA. Drawn at most ten times a second (the first at once).
 */
void wsl_cli_progress_update(wsl_cli_progress *p, double fraction, double count, const char *unit,
                             const char *detail);

/* Erase the line if one is drawn (the next update draws it again). */
void wsl_cli_progress_hide(void);

/* Erase the line and stop. */
void wsl_cli_progress_end(wsl_cli_progress *p);

#endif
