#define _GNU_SOURCE
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Splits what arrived into lines for the callback; keeps a partial tail. */
static void feed(char *buf, size_t *len, double t, line_fn on_line, void *ctx)
{
	char *start = buf, *nl;
	while ((nl = memchr(start, '\n', *len - (size_t)(start - buf)))) {
		*nl = 0;
		if (on_line)
			on_line(ctx, t, start);
		start = nl + 1;
	}
	*len -= (size_t)(start - buf);
	memmove(buf, start, *len);
}

int proc_run(char *const argv[], const char *log, long limit, line_fn on_line, void *ctx)
{
	int pfd[2] = {-1, -1};
	FILE *logf = NULL;

	if (log && (!(logf = fopen(log, "we")) || pipe2(pfd, O_CLOEXEC))) {
		if (logf)
			fclose(logf);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		if (logf) {
			fclose(logf);
			close(pfd[0]);
			close(pfd[1]);
		}
		return -1;
	}
	if (pid == 0) {
		/* Its own process group: a timeout kills engine workers too. */
		setpgid(0, 0);
		if (log) {
			dup2(pfd[1], 1);
			dup2(pfd[1], 2);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "ipcfuzz: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (log)
		close(pfd[1]);
	int status = 0, done = 0;
	double start = now(), deadline = start + (double)limit;
	char buf[65536];
	size_t len = 0;
	while (!done) {
		if (log && pfd[0] >= 0) {
			struct pollfd p = {pfd[0], POLLIN, 0};
			if (poll(&p, 1, 100) > 0) {
				ssize_t n = read(pfd[0], buf + len, sizeof buf - 1 - len);
				if (n > 0) {
					fwrite(buf + len, 1, (size_t)n, logf);
					len += (size_t)n;
					feed(buf, &len, now() - start, on_line, ctx);
					if (len == sizeof buf - 1)
						len = 0; /* a line longer than the buffer: drop it
							  */
				} else {
					close(pfd[0]);
					pfd[0] = -1;
				}
			}
		} else {
			usleep(100000);
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			done = 1;
		else if (now() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			done = 1;
		}
	}
	/* What is still buffered in the pipe (its writers may be gone now). */
	while (log && pfd[0] >= 0) {
		struct pollfd p = {pfd[0], POLLIN, 0};
		ssize_t n = poll(&p, 1, 0) > 0 ? read(pfd[0], buf + len, sizeof buf - 1 - len) : 0;
		if (n <= 0)
			break;
		fwrite(buf + len, 1, (size_t)n, logf);
		len += (size_t)n;
		feed(buf, &len, now() - start, on_line, ctx);
		if (len == sizeof buf - 1)
			len = 0;
	}
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (logf)
		fclose(logf);
	return status;
}

int proc_spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int proc_reap(int pid, long limit)
{
	int status = -1;
	double deadline = now() + (double)limit;

	if (pid <= 0)
		return -1;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(100000);
	}
	return status;
}

int proc_exit_code(int status)
{
	if (status < 0)
		return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void progress(const char *fmt, ...)
{
	static int tty = -1;
	va_list ap;

	if (tty < 0)
		tty = isatty(2);
	if (!tty)
		return;
	if (!fmt) {
		fputs("\r\033[K", stderr);
		return;
	}
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

int mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(buf, 0755);
			*p = '/';
		}
	return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

int rm_rf(const char *path)
{
	char *argv[] = {"rm", "-rf", "--", (char *)path, NULL};
	return proc_exit_code(proc_run(argv, NULL, 600, NULL, NULL));
}

int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rbe"), *out = in ? fopen(to, "wbe") : NULL;
	char buf[65536];
	size_t n;
	int err = !in || !out;

	while (!err && (n = fread(buf, 1, sizeof buf, in)) > 0)
		err = fwrite(buf, 1, n, out) != n;
	if (in)
		fclose(in);
	if (out && fclose(out))
		err = 1;
	return err ? -1 : 0;
}

static int each_file(const char *dir, const char *to)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char a[4096], b[4096];
	struct stat st;
	int n = 0;

	while (d && (e = readdir(d))) {
		snprintf(a, sizeof a, "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || stat(a, &st) || !S_ISREG(st.st_mode))
			continue;
		if (to) {
			snprintf(b, sizeof b, "%s/%s", to, e->d_name);
			if (copy_file(a, b))
				continue;
		}
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

int count_files(const char *dir)
{
	return each_file(dir, NULL);
}

int copy_dir_files(const char *from, const char *to)
{
	if (mkdirs(to))
		return -1;
	return each_file(from, to);
}

int scan_number(const char *file, const char *key, double *v)
{
	FILE *f = fopen(file, "re");
	char line[512];
	int found = 0;
	size_t klen = strlen(key);

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, klen)) {
			char *p = line + klen;
			while (*p == ' ' || *p == ':')
				p++;
			*v = strtod(p, NULL);
			found = 1;
		}
	fclose(f);
	return found;
}
