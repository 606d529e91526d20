/* Why the tcp model accepts ECONNRESET as well as EPIPE for the first send
 * after this sequence (fuzz-tcp, once in a few million programs): the
 * receiver of a loopback connection is closed, the sender shuts its write
 * side, then sends.  The closed receiver waits in FIN_WAIT2 for the
 * sender's FIN; the sender acknowledges the receiver's FIN late (a delayed
 * ACK: it is in pingpong mode), and when that ACK comes before the
 * sender's own FIN, the orphan moves on to TIME_WAIT at once, which a
 * namespace with tcp_max_tw_buckets 0 (the sandbox's) does not keep: the
 * FIN then finds no socket, is answered by a RST, and send() reports
 * ECONNRESET once.  Without the pause the FIN carries the ACK and send()
 * says EPIPE.
 * Build: cc -o repro tcp_fin_after_orphan_gone.c; run as root (it makes its
 * own network namespace).  Expected: "no pause: EPIPE", "pause: ECONNRESET". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <unistd.h>

static int pair(int *rcv, int *snd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	*snd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&a, len) || getsockname(l, (struct sockaddr *)&a, &len) ||
	    listen(l, 1) || connect(*snd, (struct sockaddr *)&a, len))
		return -1;
	*rcv = accept(l, NULL, NULL);
	close(l);
	return *rcv < 0 ? -1 : 0;
}

static const char *try(unsigned pause_us)
{
	int rcv, snd;
	char c = 'x';

	if (pair(&rcv, &snd))
		return strerror(errno);
	close(rcv);
	usleep(pause_us);
	shutdown(snd, SHUT_WR);
	ssize_t n = send(snd, &c, 1, MSG_NOSIGNAL);
	int err = errno;
	close(snd);
	return n >= 0		   ? "sent"
	       : err == EPIPE	   ? "EPIPE"
	       : err == ECONNRESET ? "ECONNRESET"
				   : "other";
}

int main(void)
{
	struct ifreq ifr = {.ifr_name = "lo"};
	FILE *f;
	int s;

	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return 2;
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ifr.ifr_flags = IFF_UP;
	ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	if (!(f = fopen("/proc/sys/net/ipv4/tcp_max_tw_buckets", "w")) || fputs("0\n", f) < 0 ||
	    fclose(f)) {
		perror("tcp_max_tw_buckets");
		return 2;
	}
	printf("no pause: %s\n", try(0));
	printf("pause: %s\n", try(300000));
	return 0;
}
