/* Child processes and files for the subcommands that drive other tools
 * (engines, replay drivers, gnuplot): every run is bounded in time, and its
 * output goes to a log a line at a time, so callers can watch it. */
#ifndef IPCFUZZ_CLI_PROC_H
#define IPCFUZZ_CLI_PROC_H

#include <stddef.h>

/* Called for each output line with the seconds since the start. */
typedef void (*line_fn)(void *ctx, double t, const char *line);

/* Runs argv (stdout and stderr to log, or inherited when log is NULL),
 * killing its process group after limit seconds.  Returns the wait status,
 * or -1 when it could not start. */
int proc_run(char *const argv[], const char *log, long limit, line_fn on_line, void *ctx);
/* Starts argv in the background (output to log) in its own process group;
 * proc_reap waits for it at most limit seconds, then kills the group. */
int proc_spawn(char *const argv[], const char *log);
int proc_reap(int pid, long limit);
/* Exit code of a wait status (128+signal when killed). */
int proc_exit_code(int status);

/* A progress line on a terminal (stderr), rewritten in place; silent when
 * stderr is not a terminal.  NULL ends the line. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int mkdirs(const char *path);
int rm_rf(const char *path);
int copy_file(const char *from, const char *to);
/* Regular files directly in dir (0 when it does not exist). */
int count_files(const char *dir);
/* Copies every regular file of from into to (which is made). */
int copy_dir_files(const char *from, const char *to);
/* Finds "key[ :]+number" in a text file; the last occurrence wins. */
int scan_number(const char *file, const char *key, double *v);

#endif
