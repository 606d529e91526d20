/* The identity part of a C reproducer (see to_c_ident.h): taking an
 * identity as src/exec/identity.c does, once in every reproducer that
 * needs it, whatever its mechanism. */
#define _GNU_SOURCE
#include "to_c_ident.h"

#include "ident.h"

#include <string.h>

/* A program without ident: every actor is the reproducer's own identity. */
/* Every reproducer: who an actor is, and the table ident and perm ids
 * come from. */
static const char common[] =
	"/* ---- identities (ident) ---- */\n"
	"struct ident {\n\tint set; /* an ident op gave it */\n"
	"\tunsigned uid, gid, groups, ns, nocap, mask;\n"
	"\tint nsfd[3]; /* one process for every actor: its namespaces */\n};\n"
	"static struct ident idents[ACTORS] __attribute__((unused));\n\n"
	"static unsigned ident_id(unsigned i)\n{\n"
	"\tstatic const unsigned ids[4] = {%u, %u, %u, %u};\n\treturn ids[i & 3];\n}\n\n";

/* A program without ident: every actor is the reproducer's own identity. */
static const char none[] = "static int ident_take(int a)\n{\n\t(void)a;\n\treturn 0;\n}\n\n";

static const char full[] =
	"/* As ipcfuzz's src/exec/identity.c takes one: namespaces while we may\n"
	" * still unshare, then supplementary groups and gid, then uid (which\n"
	" * clears the capabilities), the umask. */\n"
	"#include <grp.h>\n#include <linux/capability.h>\n#include <net/if.h>\n"
	"#include <sched.h>\n#include <sys/ioctl.h>\n#include <sys/mount.h>\n"
	"#include <sys/prctl.h>\n#include <sys/socket.h>\n#include <sys/syscall.h>\n\n"
	"enum { NS_IPC = %u, NS_NET = %u, NS_MNT = %u };\n"
	"static int ns_home[3] = {-1, -1, -1};\n"
	"static const int ns_clone[3] = {CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS};\n"
	"static const char *const ns_file[3] = {\"/proc/self/ns/ipc\", \"/proc/self/ns/net\",\n"
	"\t\t\t\t       \"/proc/self/ns/mnt\"};\n"
	"static uid_t home_uid;\nstatic gid_t home_gid, home_groups[64];\nstatic int "
	"home_ngroups;\n\n"
	"static void ident_init(void)\n{\n"
	"\tunsigned m = umask(022);\n\tumask(m);\n"
	"\tfor (int a = 0; a < ACTORS; a++) {\n\t\tidents[a].mask = m;\n"
	"\t\tfor (int i = 0; i < 3; i++)\n\t\t\tidents[a].nsfd[i] = -1;\n\t}\n"
	"\thome_uid = geteuid();\n\thome_gid = getegid();\n"
	"\thome_ngroups = getgroups(64, home_groups);\n"
	"\tif (home_ngroups < 0)\n\t\thome_ngroups = 0;\n}\n\n"
	"static void loopback_up(void)\n{\n"
	"\tstruct ifreq ifr;\n\tint s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);\n"
	"\tif (s < 0)\n\t\treturn;\n\tmemset(&ifr, 0, sizeof ifr);\n"
	"\tsnprintf(ifr.ifr_name, sizeof ifr.ifr_name, \"lo\");\n"
	"\tif (!ioctl(s, SIOCGIFFLAGS, &ifr)) {\n\t\tifr.ifr_flags |= IFF_UP | IFF_RUNNING;\n"
	"\t\tioctl(s, SIOCSIFFLAGS, &ifr);\n\t}\n\tclose(s);\n}\n\n"
	"/* Fresh namespaces of the kinds ns names (a mount namespace gets a\n"
	" * /dev/shm of its own, a network namespace its loopback up). */\n"
	"static int ns_fresh(unsigned ns)\n{\n"
	"\tint flags = (ns & NS_IPC ? CLONE_NEWIPC : 0) | (ns & NS_NET ? CLONE_NEWNET : 0) |\n"
	"\t\t    (ns & NS_MNT ? CLONE_NEWNS : 0);\n"
	"\tif (!flags)\n\t\treturn 0;\n\tif (unshare(flags))\n\t\treturn -errno;\n"
	"\tif ((ns & NS_MNT) && (mount(NULL, \"/\", NULL, MS_REC | MS_PRIVATE, NULL) ||\n"
	"\t\t\t      mount(\"repro-shm\", \"/dev/shm\", \"tmpfs\", MS_NOSUID | MS_NODEV,\n"
	"\t\t\t\t    \"mode=1777\")))\n\t\treturn -errno;\n"
	"\tif (ns & NS_NET)\n\t\tloopback_up();\n\treturn 0;\n}\n\n"
	"/* uid 0 subject to every permission check: no effective capabilities\n"
	" * (keep: the permitted ones stay, to come back). */\n"
	"static int caps_drop(int keep)\n{\n"
	"\tstruct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};\n"
	"\tstruct __user_cap_data_struct d[2];\n"
	"\tif (syscall(SYS_capget, &h, d))\n\t\treturn -errno;\n"
	"\tfor (int i = 0; i < 2; i++) {\n\t\td[i].effective = d[i].inheritable = 0;\n"
	"\t\tif (!keep)\n\t\t\td[i].permitted = 0;\n\t}\n"
	"\treturn syscall(SYS_capset, &h, d) ? -errno : 0;\n}\n\n"
	"static int caps_back(void)\n{\n"
	"\tstruct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};\n"
	"\tstruct __user_cap_data_struct d[2];\n"
	"\tif (syscall(SYS_capget, &h, d))\n\t\treturn -errno;\n"
	"\tfor (int i = 0; i < 2; i++)\n\t\td[i].effective = d[i].permitted;\n"
	"\treturn syscall(SYS_capset, &h, d) ? -errno : 0;\n}\n\n"
	"/* Groups, gid, uid (keep: the saved uid stays ours, to come back). */\n"
	"static int ident_drop(const struct ident *id, int keep)\n{\n"
	"\tgid_t groups[4];\n\tsize_t n = 0;\n"
	"\tuid_t uid = ident_id(id->uid);\n\tgid_t gid = ident_id(id->gid);\n"
	"\tfor (unsigned i = 0; i < 4; i++)\n\t\tif (id->groups >> i & 1)\n"
	"\t\t\tgroups[n++] = ident_id(i);\n"
	"\tif (setgroups(n, groups) || setresgid(gid, gid, gid) ||\n"
	"\t    setresuid(uid, uid, keep ? home_uid : uid))\n\t\treturn -errno;\n"
	"\treturn uid == 0 && id->nocap ? caps_drop(keep) : 0;\n}\n\n"
	"/* An actor's own process takes its identity for good, first thing. */\n"
	"static int ident_take(int a)\n{\n"
	"\tstruct ident *id = &idents[a];\n\tint err = 0;\n"
	"\tif (a && id->set && ((err = ns_fresh(id->ns)) || (err = ident_drop(id, 0))))\n"
	"\t\treturn err;\n"
	"\t/* a credential change makes the process undumpable */\n"
	"\tprctl(PR_SET_DUMPABLE, 1);\n\tumask(id->mask);\n\treturn 0;\n}\n\n"
	"/* Where one process plays every actor: actor a's identity is put on\n"
	" * for its op, and taken off after it (home: the reproducer's own). */\n"
	"static void ident_leave(int a)\n{\n"
	"\tstruct ident *id = &idents[a];\n"
	"\tif (a && id->set) {\n"
	"\t\tif (setresuid(home_uid, home_uid, home_uid) || caps_back() ||\n"
	"\t\t    setresgid(home_gid, home_gid, home_gid) ||\n"
	"\t\t    setgroups((size_t)home_ngroups, home_groups)) {\n"
	"\t\t\tprintf(\"cannot take back the reproducer's identity: %%s\\n\", "
	"strerror(errno));\n"
	"\t\t\texit(2);\n\t\t}\n\t}\n"
	"\tfor (int i = 0; i < 3; i++)\n\t\tif (a && id->nsfd[i] >= 0)\n"
	"\t\t\tsetns(ns_home[i], ns_clone[i]);\n"
	"\tumask(idents[0].mask);\n}\n\n"
	"static int ident_enter(int a)\n{\n"
	"\tstruct ident *id = &idents[a];\n"
	"\tif (!a)\n\t\treturn 0;\n"
	"\tfor (int i = 0; i < 3; i++)\n"
	"\t\tif (id->nsfd[i] >= 0 && setns(id->nsfd[i], ns_clone[i]))\n\t\t\treturn -errno;\n"
	"\tumask(id->mask);\n"
	"\treturn id->set ? ident_drop(id, 1) : 0;\n}\n\n"
	"/* Actor a's namespaces, fresh (an ident, or the actor restarted). */\n"
	"static int ident_ns_new(int a)\n{\n"
	"\tstruct ident *id = &idents[a];\n\tint err = 0;\n"
	"\tfor (int i = 0; i < 3; i++) {\n"
	"\t\tif (id->nsfd[i] >= 0)\n\t\t\tclose(id->nsfd[i]);\n\t\tid->nsfd[i] = -1;\n"
	"\t\tif (id->ns & (1u << i) && ns_home[i] < 0)\n"
	"\t\t\tns_home[i] = open(ns_file[i], O_RDONLY | O_CLOEXEC);\n\t}\n"
	"\tif (!id->ns)\n\t\treturn 0;\n"
	"\terr = ns_fresh(id->ns);\n"
	"\tfor (int i = 0; i < 3; i++)\n\t\tif (id->ns & (1u << i)) {\n"
	"\t\t\tif (!err)\n\t\t\t\tid->nsfd[i] = open(ns_file[i], O_RDONLY | O_CLOEXEC);\n"
	"\t\t\tsetns(ns_home[i], ns_clone[i]);\n\t\t}\n"
	"\treturn err;\n}\n\n"
	"/* ident in the one process: actor a's identity from now on (its handles\n"
	" * are gone: ipcfuzz restarts the peer); on failure it keeps the old one. */\n"
	"static long ident_set(int a, unsigned uid, unsigned gid, unsigned groups, unsigned ns,\n"
	"\t\t      unsigned nocap, unsigned mask)\n{\n"
	"\tstruct ident *id = &idents[a], before = *id;\n\tlong err;\n"
	"\tif (!a) { /* the executor takes only the umask */\n"
	"\t\tid->mask = mask;\n\t\tumask(mask);\n\t\treturn 0;\n\t}\n"
	"\t*id = (struct ident){1, uid, gid, groups, ns, nocap, mask, {-1, -1, -1}};\n"
	"\tif (!(err = ident_ns_new(a))) {\n\t\terr = ident_enter(a);\n\t\tident_leave(a);\n\t}\n"
	"\tif (err) {\n\t\tfor (int i = 0; i < 3; i++)\n\t\t\tif (id->nsfd[i] >= 0)\n"
	"\t\t\t\tclose(id->nsfd[i]);\n"
	"\t\t*id = before;\n\t\tfor (int i = 0; i < 3; i++)\n\t\t\tid->nsfd[i] = -1;\n"
	"\t\tident_ns_new(a);\n\t}\n\treturn err;\n}\n\n";

int to_c_has_ident(const struct prog *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->ops[i].kind == OP_IDENT)
			return 1;
	return 0;
}

void to_c_ident_helpers(FILE *f, const struct prog *p)
{
	fprintf(f, common, ident_id(0), ident_id(1), ident_id(2), ident_id(3));
	if (!to_c_has_ident(p))
		fputs(none, f);
	else
		fprintf(f, full, (unsigned)IDENT_NS_IPC, (unsigned)IDENT_NS_NET,
			(unsigned)IDENT_NS_MNT);
}

void to_c_ident_op(FILE *f, const struct op *op, int actors)
{
	fprintf(f, "\t\tr = %s(%s%d, %u, %u, %u, %u, %u, 0%o);\n",
		actors ? "actor_ident" : "ident_set", actors ? "c, rf, " : "", op->actor,
		op_ident_uid(op), op_ident_gid(op), op_ident_groups(op), op_ident_ns(op),
		op_ident_nocap(op) ? 1u : 0u, op_ident_umask(op));
}

/* perm: the owner and mode the op sets, as constants. */
static void perm_consts(FILE *f, const struct op *op)
{
	fprintf(f, "\t\tuid_t uid = %u;\n\t\tgid_t gid = %u;\n\t\tunsigned mode = 0%o;\n",
		ident_id(op_perm_uid(op)), ident_id(op_perm_gid(op)), op_perm_mode(op));
}

void to_c_perm_fd(FILE *f, const struct op *op, const char *fd)
{
	perm_consts(f, op);
	fprintf(f,
		"\t\tint pfd = %s;\n"
		"\t\tr = pfd < 0 ? -EBADF : fchown(pfd, uid, gid) || fchmod(pfd, mode) ? -errno : "
		"0;\n",
		fd);
}

void to_c_perm_path(FILE *f, const struct op *op, const char *path)
{
	perm_consts(f, op);
	fprintf(f, "\t\tr = chown(%s, uid, gid) || chmod(%s, mode) ? -errno : 0;\n", path, path);
}

void to_c_perm_ipc(FILE *f, const struct op *op, const char *ctl, const char *ds_type,
		   const char *perm)
{
	perm_consts(f, op);
	fprintf(f,
		"\t\tstruct %s ds;\n"
		"\t\tif (%s(c->id, IPC_STAT, &ds)) {\n\t\t\tr = -errno;\n\t\t} else {\n"
		"\t\t\tds.%s.uid = uid;\n\t\t\tds.%s.gid = gid;\n"
		"\t\t\tds.%s.mode = (unsigned short)mode;\n"
		"\t\t\tr = %s(c->id, IPC_SET, &ds) ? -errno : 0;\n\t\t}\n",
		ds_type, ctl, perm, perm, perm, ctl);
}
