#include "fault.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <semaphore.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

uint64_t fault_mask[FAULT_LIMIT / 64];
int fault_any;

static const struct {
	const char *name;
	enum fault bit;
} faults[] = {
	{"stream-drop-byte", FAULT_STREAM_DROP_BYTE},
	{"stream-swap", FAULT_STREAM_SWAP},
	{"msg-ignore-type", FAULT_MSG_IGNORE_TYPE},
	{"msg-no-rmid", FAULT_MSG_NO_RMID},
	{"msg-bad-errno", FAULT_MSG_BAD_ERRNO},
	{"leak-fd", FAULT_LEAK_FD},
	{"shm-torn", FAULT_SHM_TORN},
	{"shm-no-unlink", FAULT_SHM_NO_UNLINK},
	{"shm-leak-map", FAULT_SHM_LEAK_MAP},
	{"peer-leak-fd", FAULT_PEER_LEAK_FD},
	{"hang", FAULT_HANG},
	{"stray-sysv", FAULT_STRAY_SYSV},
	{"stray-name", FAULT_STRAY_NAME},
	{"stray-signal", FAULT_STRAY_SIGNAL},
	{"stray-child", FAULT_STRAY_CHILD},
	{"stress-skip", FAULT_STRESS_SKIP},
	{"stress-dup", FAULT_STRESS_DUP},
	{"stress-corrupt", FAULT_STRESS_CORRUPT},
	{"stress-reorder", FAULT_STRESS_REORDER},
	{"stress-truncate", FAULT_STRESS_TRUNCATE},
	{"binder-drop-byte", FAULT_BINDER_DROP_BYTE},
	{"binder-flip", FAULT_BINDER_FLIP},
	{"binder-wrong-code", FAULT_BINDER_WRONG_CODE},
	{"binder-dead-errno", FAULT_BINDER_DEAD_ERRNO},
	{"binder-no-free", FAULT_BINDER_NO_FREE},
	{"binder-keep-fd", FAULT_BINDER_KEEP_FD},
	{"binder-leak-ref", FAULT_BINDER_LEAK_REF},
	{"uring-drop-byte", FAULT_URING_DROP_BYTE},
	{"uring-leak-ring", FAULT_URING_LEAK_RING},
	{"uring-hang", FAULT_URING_HANG},
	/* io_uring paths */
	{"uring-tty-eof-eio", FAULT_URING_TTY_EOF_EIO},
	{"uring-fifo-poll", FAULT_URING_FIFO_POLL},
	{"uring-tty-zero-write", FAULT_URING_TTY_ZERO_WRITE},
	{"ident-no-drop", FAULT_IDENT_NO_DROP},
	{"ident-no-ns", FAULT_IDENT_NO_NS},
	{"ns-audit-blind", FAULT_NS_AUDIT_BLIND},
	{"access-errno", FAULT_ACCESS_ERRNO},
	{"sig-no-coalesce", FAULT_SIG_NO_COALESCE},
	{"sig-rt-reorder", FAULT_SIG_RT_REORDER},
	{"sig-wrong-value", FAULT_SIG_WRONG_VALUE},
	{"sig-hide-eagain", FAULT_SIG_HIDE_EAGAIN},
	{"sig-survive-kill", FAULT_SIG_SURVIVE_KILL},
	{"sig-leave-pending", FAULT_SIG_LEAVE_PENDING},
	{"sig-leave-handler", FAULT_SIG_LEAVE_HANDLER},
	{"pty-no-icrnl", FAULT_PTY_NO_ICRNL},
	{"pty-no-echo", FAULT_PTY_NO_ECHO},
	{"pty-no-isig", FAULT_PTY_NO_ISIG},
	{"pty-no-onlcr", FAULT_PTY_NO_ONLCR},
	{"pty-lose-byte", FAULT_PTY_LOSE_BYTE},
	{"pty-keep-session", FAULT_PTY_KEEP_SESSION},
	/* fifo, posix-mq */
	{"fifo-no-unlink", FAULT_FIFO_NO_UNLINK},
	{"fifo-enxio-errno", FAULT_FIFO_ENXIO_ERRNO},
	{"fifo-stray", FAULT_FIFO_STRAY},
	{"fifo-hide-epipe", FAULT_FIFO_HIDE_EPIPE},
	{"mq-flip", FAULT_MQ_FLIP},
	{"mq-reorder", FAULT_MQ_REORDER},
	{"mq-bad-errno", FAULT_MQ_BAD_ERRNO},
	{"mq-no-unlink", FAULT_MQ_NO_UNLINK},
	{"mq-stray", FAULT_MQ_STRAY},
	{"mq-wrong-prio", FAULT_MQ_WRONG_PRIO},

	/* unix-*, tcp, udp */
	{"sock-drop-byte", FAULT_SOCK_DROP_BYTE},
	{"sock-swap", FAULT_SOCK_SWAP},
	{"sock-merge", FAULT_SOCK_MERGE},
	{"sock-errno", FAULT_SOCK_ERRNO},
	{"sock-keep-fd", FAULT_SOCK_KEEP_FD},
	{"sock-send-keep", FAULT_SOCK_SEND_KEEP},
	{"sock-leak", FAULT_SOCK_LEAK},
	{"sock-no-unlink", FAULT_SOCK_NO_UNLINK},
	{"sock-wrong-fd", FAULT_SOCK_WRONG_FD},
	{"sock-no-trunc", FAULT_SOCK_NO_TRUNC},
	{"sock-creds", FAULT_SOCK_CREDS},
	/* unix-*: access */
	{"sock-chmod", FAULT_SOCK_CHMOD},
	{"sock-peer-uid", FAULT_SOCK_PEER_UID},
	{"sock-cred-uid", FAULT_SOCK_CRED_UID},

	/* sysv-shm, mmap-*, memfd */
	{"shm-ro-writable", FAULT_SHM_RO_WRITABLE},
	{"shm-no-round", FAULT_SHM_NO_ROUND},
	{"shm-attach-twice", FAULT_SHM_ATTACH_TWICE},
	{"shm-no-rmid", FAULT_SHM_NO_RMID},
	{"shm-size-errno", FAULT_SHM_SIZE_ERRNO},
	{"shm-private-shared", FAULT_SHM_PRIVATE_SHARED},
	{"shm-no-seal", FAULT_SHM_NO_SEAL},
	{"shm-seal-errno", FAULT_SHM_SEAL_ERRNO},
	{"shm-no-unlink-file", FAULT_SHM_NO_UNLINK_FILE},
	{"shm-bus-hidden", FAULT_SHM_BUS_HIDDEN},

	/* ion, dma-heap, udmabuf */
	{"dma-torn", FAULT_DMA_TORN},
	{"dma-leak-fd", FAULT_DMA_LEAK_FD},
	{"dma-leak-map", FAULT_DMA_LEAK_MAP},
	{"dma-bad-errno", FAULT_DMA_BAD_ERRNO},
	{"dma-sync-bad", FAULT_DMA_SYNC_BAD},

	/* sync: sysv-sem, posix-sem, shm guards */
	{"sem-no-rmid", FAULT_SEM_NO_RMID},
	{"sem-no-unlink", FAULT_SEM_NO_UNLINK},
	{"sem-stray-set", FAULT_SEM_STRAY_SET},
	{"sem-stray-name", FAULT_SEM_STRAY_NAME},
	{"sem-no-undo", FAULT_SEM_NO_UNDO},
	{"sem-lost-post", FAULT_SEM_LOST_POST},
	{"sem-bad-errno", FAULT_SEM_BAD_ERRNO},
	{"guard-noop", FAULT_GUARD_NOOP},
	{"guard-die-mid", FAULT_GUARD_DIE_MID},
	{"sem-stress-no-post", FAULT_SEM_STRESS_NO_POST},
};

void fault_init(void)
{
	const char *env = getenv("IPCFUZZ_FAULT");
	char buf[256], *save = NULL;

	memset(fault_mask, 0, sizeof fault_mask);
	fault_any = 0;
	if (!env || !*env)
		return;
	snprintf(buf, sizeof buf, "%s", env);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof faults / sizeof faults[0]; i++)
			if (!strcmp(w, faults[i].name))
				break;
		if (i == sizeof faults / sizeof faults[0]) {
			fprintf(stderr, "ipcfuzz: unknown IPCFUZZ_FAULT '%s' (known: %s)\n", w,
				fault_names());
			exit(2);
		}
		fault_mask[(unsigned)faults[i].bit / 64] |= 1ull << ((unsigned)faults[i].bit % 64);
		fault_any = 1;
	}
}

const char *fault_names(void)
{
	static char list[4096];

	if (!list[0])
		for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
			strcat(list, i ? " " : "");
			strcat(list, faults[i].name);
		}
	return list;
}

void fault_strays(void)
{
	if (fault_on(FAULT_STRAY_SYSV))
		msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (fault_on(FAULT_STRAY_NAME)) {
		char name[64];
		snprintf(name, sizeof name, "/ipcfuzz.%d.stray", (int)getpid());
		int fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	/* sync: a semaphore set and a named semaphore nobody removes */
	if (fault_on(FAULT_SEM_STRAY_SET))
		semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (fault_on(FAULT_SEM_STRAY_NAME)) {
		char name[64];
		snprintf(name, sizeof name, "/ipcfuzz.%d.stray", (int)getpid());
		sem_t *s = sem_open(name, O_CREAT, 0600, 0);
		if (s != SEM_FAILED)
			sem_close(s);
	}
	if (fault_on(FAULT_STRAY_SIGNAL)) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		sigprocmask(SIG_BLOCK, &set, NULL);
		raise(SIGUSR2);
	}
	if (fault_on(FAULT_STRAY_CHILD)) {
		pid_t pid = fork();
		siginfo_t si;
		if (pid == 0)
			_exit(0);
		/* Wait until it is a zombie, without reaping it. */
		if (pid > 0)
			waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	}
}
