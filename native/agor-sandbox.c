/*
 * agor-sandbox: the helper that contains an agent (Landlock, seccomp, limits) and then
 * execs it in place, so the agent keeps the pid, process group, session and descriptors
 * the supervisor gave it.
 *
 *   agor-sandbox [--max-abi N] --probe
 *       one JSON line: the Landlock ABI, whether it can filter TCP ports (ABI 4), whether
 *       seccomp filters and no_new_privs are available
 *   agor-sandbox [OPTION]... -- PROGRAM [ARG]...
 *       applies, in this order, then execs PROGRAM:
 *       --cgroup DIR (repeatable)  writes its own pid to DIR/cgroup.procs
 *       --rlimit NAME=VALUE        sets the soft and hard limit (cpu: hard = soft + 1 s, so SIGXCPU comes first); NAME is cpu (seconds),
 *                                  nofile, data (bytes) or nproc
 *       --uid N --gid N [--groups G1,G2,...]
 *                                  setgroups (none without --groups), setgid, setuid
 *       no_new_privs, always
 *       Landlock, unless --no-landlock: read-and-execute beneath each --read PATH,
 *       read-write beneath each --write PATH, every other file access refused; with
 *       --net-connect PORT / --net-bind PORT (repeatable) or --net-restrict, TCP connect
 *       and bind are refused except to and on the listed ports (Landlock ABI 4)
 *       --deny-unix-sockets        a seccomp filter refuses socket(AF_UNIX)
 *       Rights the kernel's Landlock lacks are dropped, as the kernel's own
 *       samples/landlock/sandboxer.c does, with a warning; with --required a kernel
 *       without Landlock, or without network rules when some are asked, is refused
 *       instead. --max-abi N (for tests) acts as if the kernel's ABI were at most N, 0
 *       meaning no Landlock.
 *
 * Every option is checked before anything is applied. Exit status of its own: 2 usage,
 * 125 the sandbox could not be set up (the message names what), 126 PROGRAM could not be
 * executed, 127 PROGRAM not found (as env(1) and timeout(1) do).
 *
 * It carries its own Landlock constants: distribution headers lag the kernel (Debian
 * 12's stop at ABI 2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif
#define AGOR_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define AGOR_LANDLOCK_RULE_PATH_BENEATH 1
#define AGOR_LANDLOCK_RULE_NET_PORT 2 /* ABI 4 */

/* Filesystem rights, by the ABI that brought them. */
#define FS_EXECUTE (1ULL << 0)
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_REMOVE_DIR (1ULL << 4)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_DIR (1ULL << 7)
#define FS_MAKE_REG (1ULL << 8)
#define FS_MAKE_SOCK (1ULL << 9)
#define FS_MAKE_FIFO (1ULL << 10)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_MAKE_SYM (1ULL << 12)
#define FS_REFER (1ULL << 13)     /* ABI 2 */
#define FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define FS_ABI1 ((1ULL << 13) - 1)
#define FS_READ (FS_EXECUTE | FS_READ_FILE | FS_READ_DIR)
/* The rights that apply to a file (not a directory) in a path-beneath rule. */
#define FS_FILE (FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV)

/* Network rights (ABI 4): TCP only, by port; Landlock does not filter hosts. */
#define NET_BIND_TCP (1ULL << 0)
#define NET_CONNECT_TCP (1ULL << 1)
#define NET_ABI 4

struct agor_ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net; /* ABI 4; zero below it (the kernel refuses unknown bits) */
  uint64_t scoped;             /* ABI 6; left zero */
};

struct agor_path_beneath_attr {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));

struct agor_net_port_attr {
  uint64_t allowed_access;
  uint64_t port; /* host byte order */
} __attribute__((packed));
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif
#ifndef PR_GET_NO_NEW_PRIVS
#define PR_GET_NO_NEW_PRIVS 39
#endif
#ifndef PR_SET_SECCOMP
#define PR_SET_SECCOMP 22
#endif
#define AGOR_SECCOMP_MODE_FILTER 2

#if defined(__x86_64__)
#define AGOR_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AGOR_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "agor-sandbox: no seccomp filter for this architecture yet (x86_64 and aarch64 are known)"
#endif
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

enum { EXIT_USAGE = 2, EXIT_SANDBOX = 125, EXIT_CANNOT_EXEC = 126, EXIT_NOT_FOUND = 127 };

static int fail(int code, const char *what, const char *detail) {
  fprintf(stderr, "agor-sandbox: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  return code;
}

/*
 * The Landlock ABI version, at most `max_abi` when that is not negative (--max-abi, so
 * tests can play an older kernel), or 0 with the reason in `why` when there is none.
 */
static long landlock_abi(long max_abi, const char **why) {
  long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, AGOR_LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 0) {
    *why = errno == ENOSYS ? "the kernel has no Landlock (built without CONFIG_SECURITY_LANDLOCK)"
           : errno == EOPNOTSUPP ? "Landlock is not enabled at boot (lsm= does not list landlock)"
                                 : strerror(errno);
    return 0;
  }
  if (max_abi == 0) {
    *why = "Landlock hidden by --max-abi 0";
    return 0;
  }
  *why = NULL;
  return max_abi > 0 && max_abi < abi ? max_abi : abi;
}

/*
 * Whether seccomp filters can be installed: with a NULL program the kernel answers EFAULT
 * when it supports filter mode and EINVAL when it does not, and installs nothing.
 */
static int seccomp_filter_available(void) {
  errno = 0;
  if (prctl(PR_SET_SECCOMP, AGOR_SECCOMP_MODE_FILTER, NULL, 0, 0) == 0) return 1;
  return errno == EFAULT;
}

static void json_string(const char *s) {
  if (!s) {
    fputs("null", stdout);
    return;
  }
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20 || c == 0x7f) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static int probe(long max_abi) {
  const char *why;
  long abi = landlock_abi(max_abi, &why);
  int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  printf("{\"landlock_abi\":%ld,\"landlock_unavailable\":", abi);
  json_string(why);
  printf(",\"landlock_net\":%s,\"seccomp_filter\":%s,\"no_new_privs\":%s}\n", abi >= NET_ABI ? "true" : "false",
         seccomp_filter_available() ? "true" : "false", nnp >= 0 ? "true" : "false");
  return fflush(stdout) == 0 ? 0 : 1;
}

/* The rights of this ABI: those the kernel does not know are dropped (sandboxer.c). */
static uint64_t fs_rights(long abi) {
  uint64_t all = FS_ABI1 | FS_REFER | FS_TRUNCATE | FS_IOCTL_DEV;
  if (abi < 2) all &= ~FS_REFER;
  if (abi < 3) all &= ~FS_TRUNCATE;
  if (abi < 5) all &= ~FS_IOCTL_DEV;
  return all;
}

static int add_path(int ruleset, const char *path, uint64_t allowed, uint64_t handled) {
  struct agor_path_beneath_attr rule = {0};
  struct stat st;
  rule.parent_fd = open(path, O_PATH | O_CLOEXEC);
  if (rule.parent_fd < 0) return fail(EXIT_SANDBOX, "cannot open a path of the policy", path);
  if (fstat(rule.parent_fd, &st) != 0) {
    close(rule.parent_fd);
    return fail(EXIT_SANDBOX, "cannot stat a path of the policy", path);
  }
  rule.allowed_access = allowed & handled;
  if (!S_ISDIR(st.st_mode)) rule.allowed_access &= FS_FILE;
  long r = syscall(__NR_landlock_add_rule, ruleset, AGOR_LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
  int saved = errno;
  close(rule.parent_fd);
  if (r != 0) return fail(EXIT_SANDBOX, "cannot add a Landlock rule", strerror(saved));
  return 0;
}

/*
 * A seccomp filter that refuses socket(AF_UNIX) with EACCES, so an agent reaches neither
 * agor's control socket nor the session bus (and through it the keyring). socketpair()
 * stays allowed: Node and shells use it to talk to their children. io_uring is refused
 * too: it can open sockets without the socket() system call. A system call of another
 * architecture (a 32-bit binary) kills the process, as its numbers mean other calls.
 */
static int deny_unix_sockets(void) {
  struct sock_filter filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AGOR_AUDIT_ARCH, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
    /* The x32 ABI shares the architecture value: its numbers have bit 30 set. */
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
#endif
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
    /* The low 32 bits of the first argument, the domain (little-endian machines). */
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = (unsigned short)(sizeof filter / sizeof filter[0]), .filter = filter};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) return fail(EXIT_SANDBOX, "cannot install the seccomp filter", strerror(errno));
  return 0;
}


static int add_port(int ruleset, uint64_t port, uint64_t allowed) {
  struct agor_net_port_attr rule = {.allowed_access = allowed, .port = port};
  if (syscall(__NR_landlock_add_rule, ruleset, AGOR_LANDLOCK_RULE_NET_PORT, &rule, 0) != 0) {
    char detail[64];
    snprintf(detail, sizeof detail, "port %llu: %s", (unsigned long long)port, strerror(errno));
    return fail(EXIT_SANDBOX, "cannot add a Landlock network rule", detail);
  }
  return 0;
}

static int usage(void) {
  fprintf(stderr,
          "usage: agor-sandbox --probe [--max-abi N]\n"
          "       agor-sandbox [--required] [--no-landlock] [--read PATH]... [--write PATH]...\n"
          "                    [--net-restrict] [--net-connect PORT]... [--net-bind PORT]...\n"
          "                    [--deny-unix-sockets] [--rlimit cpu|nofile|data|nproc=N]... [--cgroup DIR]...\n"
          "                    [--uid N --gid N [--groups G1,G2,...]] [--max-abi N] [--reaper] -- PROGRAM [ARG]...\n");
  return EXIT_USAGE;
}

/* A usage error that says which argument is wrong before the usage lines. */
static int bad(const char *what, const char *arg) {
  fprintf(stderr, "agor-sandbox: %s: %s\n", what, arg);
  return usage();
}

/* A decimal number no greater than `max`: digits only, so "", "-1", "0x10" and "1e3" are refused. */
static int number(const char *s, unsigned long long max, unsigned long long *out) {
  unsigned long long v = 0;
  if (!*s) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    unsigned d = (unsigned)(*s - '0');
    if (v > (max - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

#define ID_MAX 4294967294ULL /* (uid_t)-1 means "unchanged" to setresuid */

struct limit {
  int resource;
  const char *name;
  rlim_t value;
};

struct options {
  int probe, required, unix_denied, no_landlock, net_restrict, reaper;
  long max_abi; /* -1: the kernel's own */
  const char **paths;  /* --read and --write in order; `writable` says which */
  int *writable, n_paths;
  uint64_t *connect, *bind;
  int n_connect, n_bind;
  struct limit *limits;
  int n_limits;
  const char **cgroups;
  int n_cgroups;
  long long uid, gid; /* -1: unchanged */
  gid_t *groups;
  int n_groups;
  char **program;
};

static int parse_limit(const char *arg, struct limit *out) {
  static const struct {
    const char *name;
    int resource;
  } names[] = {{"cpu", RLIMIT_CPU}, {"nofile", RLIMIT_NOFILE}, {"data", RLIMIT_DATA}, {"nproc", RLIMIT_NPROC}};
  const char *eq = strchr(arg, '=');
  unsigned long long v;
  if (!eq) return -1;
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    if (strlen(names[k].name) != (size_t)(eq - arg) || strncmp(arg, names[k].name, (size_t)(eq - arg)) != 0) continue;
    /* RLIM_INFINITY is all ones: a number just below it is the largest finite limit. */
    if (number(eq + 1, (unsigned long long)RLIM_INFINITY - 1, &v) != 0) return -1;
    out->resource = names[k].resource;
    out->name = arg;
    out->value = (rlim_t)v;
    return 0;
  }
  return -1;
}

static int parse_groups(const char *arg, struct options *o) {
  char *copy = strdup(arg);
  if (!copy) return -1;
  size_t n = 1;
  for (const char *c = arg; *c; c++) n += *c == ',';
  o->groups = calloc(n, sizeof *o->groups);
  if (!o->groups) return free(copy), -1;
  o->n_groups = 0;
  /* strtok_r would skip empty fields; "1,,2" is a mistake worth refusing. */
  for (char *field = copy, *next; field; field = next) {
    unsigned long long v;
    next = strchr(field, ',');
    if (next) *next++ = '\0';
    if (number(field, ID_MAX, &v) != 0) return free(copy), -1;
    o->groups[o->n_groups++] = (gid_t)v;
  }
  free(copy);
  return 0;
}

/* Reads the command line into `o`, checking every value; a usage status on any mistake, else 0. */
static int parse(int argc, char **argv, struct options *o) {
  size_t n = (size_t)argc;
  o->max_abi = -1;
  o->uid = o->gid = -1;
  o->paths = calloc(n, sizeof *o->paths);
  o->writable = calloc(n, sizeof *o->writable);
  o->connect = calloc(n, sizeof *o->connect);
  o->bind = calloc(n, sizeof *o->bind);
  o->limits = calloc(n, sizeof *o->limits);
  o->cgroups = calloc(n, sizeof *o->cgroups);
  if (!o->paths || !o->writable || !o->connect || !o->bind || !o->limits || !o->cgroups) return fail(EXIT_SANDBOX, "out of memory", NULL);
  int i = 1, groups_given = 0;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *a = argv[i];
    unsigned long long v;
    if (strcmp(a, "--probe") == 0) o->probe = 1;
    else if (strcmp(a, "--required") == 0) o->required = 1;
    else if (strcmp(a, "--deny-unix-sockets") == 0) o->unix_denied = 1;
    else if (strcmp(a, "--no-landlock") == 0) o->no_landlock = 1;
    else if (strcmp(a, "--net-restrict") == 0) o->net_restrict = 1;
    else if (strcmp(a, "--reaper") == 0) o->reaper = 1;
    else if (i + 1 >= argc || argv[i + 1][0] == '\0') return usage();
    else {
      const char *arg = argv[++i];
      if (strcmp(a, "--read") == 0 || strcmp(a, "--write") == 0) {
        o->writable[o->n_paths] = a[2] == 'w';
        o->paths[o->n_paths++] = arg;
      } else if (strcmp(a, "--net-connect") == 0 || strcmp(a, "--net-bind") == 0) {
        if (number(arg, 65535, &v) != 0) return bad(a[6] == 'c' ? "--net-connect wants a port 0..65535" : "--net-bind wants a port 0..65535", arg);
        if (a[6] == 'c') o->connect[o->n_connect++] = v;
        else o->bind[o->n_bind++] = v;
        o->net_restrict = 1;
      } else if (strcmp(a, "--max-abi") == 0) {
        if (number(arg, 1000, &v) != 0) return bad("--max-abi wants a number", arg);
        o->max_abi = (long)v;
      } else if (strcmp(a, "--rlimit") == 0) {
        if (parse_limit(arg, &o->limits[o->n_limits++]) != 0) return bad("--rlimit wants cpu, nofile, data or nproc = a number", arg);
      } else if (strcmp(a, "--cgroup") == 0) {
        o->cgroups[o->n_cgroups++] = arg;
      } else if (strcmp(a, "--uid") == 0 || strcmp(a, "--gid") == 0) {
        if (number(arg, ID_MAX, &v) != 0) return bad(a[2] == 'u' ? "--uid wants a number" : "--gid wants a number", arg);
        if (a[2] == 'u') o->uid = (long long)v;
        else o->gid = (long long)v;
      } else if (strcmp(a, "--groups") == 0) {
        if (parse_groups(arg, o) != 0) return bad("--groups wants numbers separated by commas", arg);
        groups_given = 1;
      } else return usage();
    }
  }
  if (o->probe) {
    /* Only --max-abi may go with --probe, and no program. */
    if (i < argc || argc != (o->max_abi >= 0 ? 4 : 2)) return usage();
    return 0;
  }
  if (i >= argc - 1) return usage();
  if ((o->uid < 0) != (o->gid < 0)) return bad("--uid and --gid go together", o->uid < 0 ? "--gid without --uid" : "--uid without --gid");
  if (groups_given && o->uid < 0) return bad("--groups needs --uid and --gid", "--groups");
  if (o->no_landlock && (o->n_paths || o->net_restrict))
    return bad("--no-landlock applies no Landlock policy", "--read, --write and the --net options cannot go with it");
  o->program = argv + i + 1;
  return 0;
}

/* Moves this process into each cgroup, so everything it and the program start is counted and killed there. */
static int join_cgroups(const struct options *o) {
  char pid[24];
  int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  for (int k = 0; k < o->n_cgroups; k++) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/cgroup.procs", o->cgroups[k]) >= (int)sizeof path) return fail(EXIT_SANDBOX, "cgroup path too long", o->cgroups[k]);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, pid, (size_t)len) != len) {
      char detail[4200];
      snprintf(detail, sizeof detail, "%s: %s", o->cgroups[k], strerror(errno));
      if (fd >= 0) close(fd);
      return fail(EXIT_SANDBOX, "cannot join the cgroup", detail);
    }
    close(fd);
  }
  return 0;
}

static int set_limits(const struct options *o) {
  for (int k = 0; k < o->n_limits; k++) {
    struct rlimit r = {.rlim_cur = o->limits[k].value, .rlim_max = o->limits[k].value};
    /* SIGXCPU at the limit, SIGKILL a second later: the signal names the limit that ended the run. */
    if (o->limits[k].resource == RLIMIT_CPU && r.rlim_max < RLIM_INFINITY - 1) r.rlim_max += 1;
    if (setrlimit(o->limits[k].resource, &r) != 0) {
      char detail[256];
      snprintf(detail, sizeof detail, "%s: %s", o->limits[k].name, strerror(errno));
      return fail(EXIT_SANDBOX, "cannot set the limit", detail);
    }
  }
  return 0;
}

/* Groups first, then the group, then the user: once the user is changed, the rest is no longer allowed. */
static int become(const struct options *o) {
  if (o->uid < 0) return 0;
  char detail[128];
  const char *what = setgroups((size_t)o->n_groups, o->groups) != 0 ? "cannot set the supplementary groups"
                     : setgid((gid_t)o->gid) != 0                  ? "cannot set the group id"
                     : setuid((uid_t)o->uid) != 0                  ? "cannot set the user id"
                                                                   : NULL;
  if (!what) return 0;
  snprintf(detail, sizeof detail, "uid %lld gid %lld: %s", o->uid, o->gid, strerror(errno));
  return fail(EXIT_SANDBOX, what, detail);
}

static int restrict_landlock(const struct options *o, long abi, const char *why) {
  int net = o->net_restrict && abi >= NET_ABI;
  if (abi == 0) {
    fprintf(stderr, "agor-sandbox: warning: running without Landlock (files and network unrestricted): %s\n", why);
    return 0;
  }
  if (o->net_restrict && !net)
    fprintf(stderr, "agor-sandbox: warning: the network stays unrestricted: TCP port rules need Landlock ABI %d, the kernel has ABI %ld\n", NET_ABI, abi);
  struct agor_ruleset_attr attr = {0};
  attr.handled_access_fs = fs_rights(abi);
  if (net) attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
  int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (ruleset < 0) return fail(EXIT_SANDBOX, "cannot create a Landlock ruleset", strerror(errno));
  int code = 0;
  for (int k = 0; k < o->n_paths && !code; k++)
    code = add_path(ruleset, o->paths[k], o->writable[k] ? attr.handled_access_fs : FS_READ, attr.handled_access_fs);
  for (int k = 0; net && k < o->n_connect && !code; k++) code = add_port(ruleset, o->connect[k], NET_CONNECT_TCP);
  for (int k = 0; net && k < o->n_bind && !code; k++) code = add_port(ruleset, o->bind[k], NET_BIND_TCP);
  if (!code && syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) code = fail(EXIT_SANDBOX, "cannot restrict itself with Landlock", strerror(errno));
  close(ruleset);
  return code;
}

static pid_t reaper_pid, agent_pid; /* --reaper: this process, and the agent while it runs */

/* Applies the whole policy to this process, in the documented order, and execs the program. */
static int contain_and_exec(const struct options *o, long abi, const char *why) {
  int code;
  if ((code = join_cgroups(o)) || (code = set_limits(o)) || (code = become(o))) return code;
  /* Under --reaper the agent dies with the helper. Set after become(): a change of user clears it. */
  if (o->reaper && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return fail(EXIT_SANDBOX, "cannot tie the program to its reaper", strerror(errno));
  if (o->reaper && getppid() != reaper_pid) return fail(EXIT_SANDBOX, "the reaper is gone", NULL);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail(EXIT_SANDBOX, "cannot set no_new_privs", strerror(errno));
  if (!o->no_landlock && (code = restrict_landlock(o, abi, why))) return code;
  if (o->unix_denied && (code = deny_unix_sockets())) return code;
  execvp(o->program[0], o->program);
  return fail(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC, "cannot execute", o->program[0]);
}

/*
 * --reaper, for machines without cgroups: this process stays (the pid the supervisor
 * knows), a child subreaper; its child applies the policy and execs the agent. Whatever
 * the agent leaves behind (setsid children, double forks, daemons) is re-parented here
 * and, once the agent has exited, ended: SIGTERM, then SIGKILL after REAPER_GRACE_MS.
 */
#define REAPER_GRACE_MS 2000

static void forward(int sig) {
  if (agent_pid > 0) kill(agent_pid, sig);
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Sends `sig` (0: none) to every live descendant of this process, found in /proc by
 * parent pid, and returns how many there were.
 */
static int signal_descendants(int sig) {
  size_t cap = 256, n = 0;
  pid_t *pid = malloc(cap * sizeof *pid), *ppid = malloc(cap * sizeof *ppid);
  char *mine = NULL;
  int found = 0;
  DIR *proc = opendir("/proc");
  if (!pid || !ppid || !proc) goto out;
  for (struct dirent *e; (e = readdir(proc));) {
    char path[64], buf[512], state;
    int parent;
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/%d/stat", atoi(e->d_name));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0) continue;
    buf[len] = '\0';
    /* The command name may hold spaces and parentheses: the fields resume after the last ')'. */
    char *after = strrchr(buf, ')');
    if (!after || sscanf(after + 1, " %c %d", &state, &parent) != 2 || state == 'Z' || state == 'X') continue;
    if (n == cap) {
      cap *= 2;
      pid_t *p = realloc(pid, cap * sizeof *pid), *q = p ? realloc(ppid, cap * sizeof *ppid) : NULL;
      if (p) pid = p;
      if (q) ppid = q;
      if (!p || !q) goto out;
    }
    pid[n] = (pid_t)atoi(e->d_name);
    ppid[n++] = (pid_t)parent;
  }
  /* Marks descendants level by level until a pass adds none. */
  mine = calloc(n ? n : 1, 1);
  if (!mine) goto out;
  for (int added = 1; added;) {
    added = 0;
    for (size_t k = 0; k < n; k++) {
      if (mine[k]) continue;
      int under = ppid[k] == reaper_pid;
      for (size_t j = 0; !under && j < n; j++) under = mine[j] && pid[j] == ppid[k];
      if (under) mine[k] = 1, added = 1, found++;
    }
  }
  for (size_t k = 0; sig && k < n; k++)
    if (mine[k]) kill(pid[k], sig);
out:
  if (proc) closedir(proc);
  free(pid);
  free(ppid);
  free(mine);
  return found;
}

static void reap_all(void) {
  while (waitpid(-1, NULL, WNOHANG) > 0) continue;
}

/* Exits as the agent did: with its status, or by its signal. */
static int exit_like(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  int sig = WTERMSIG(status);
  struct rlimit none = {0, 0};
  sigset_t set;
  setrlimit(RLIMIT_CORE, &none); /* the agent's core, if any, is the one that matters */
  signal(sig, SIG_DFL);
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
  return 128 + sig;
}

static int run_reaper(const struct options *o, long abi, const char *why) {
  static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP};
  sigset_t block, old;
  reaper_pid = getpid();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return fail(EXIT_SANDBOX, "cannot become a child subreaper", strerror(errno));
  /* Blocked across fork, so a signal in between is forwarded rather than lost. */
  sigemptyset(&block);
  for (size_t k = 0; k < 3; k++) sigaddset(&block, forwarded[k]);
  sigprocmask(SIG_BLOCK, &block, &old);
  agent_pid = fork();
  if (agent_pid < 0) return fail(EXIT_SANDBOX, "cannot fork", strerror(errno));
  if (agent_pid == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    return contain_and_exec(o, abi, why);
  }
  struct sigaction sa = {0};
  sa.sa_handler = forward;
  sa.sa_flags = SA_RESTART;
  for (size_t k = 0; k < 3; k++) sigaction(forwarded[k], &sa, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);

  int status = 0;
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, 0);
    if (p == agent_pid) {
      status = st;
      break;
    }
    if (p < 0 && errno != EINTR) break;
  }
  agent_pid = 0;
  if (signal_descendants(SIGTERM) > 0) {
    long long deadline = now_ms() + REAPER_GRACE_MS;
    do {
      reap_all();
      usleep(20000);
    } while (signal_descendants(0) > 0 && now_ms() < deadline);
    /* Repeated: a descendant may fork between a scan and its kill. */
    while (signal_descendants(SIGKILL) > 0) {
      reap_all();
      usleep(10000);
    }
  }
  reap_all();
  return exit_like(status);
}


int main(int argc, char **argv) {
  struct options o = {0};
  int code = parse(argc, argv, &o);
  if (code) return code;
  const char *why;
  long abi = landlock_abi(o.max_abi, &why);
  if (o.probe) return probe(o.max_abi);
  /* What --required cannot have is refused before anything is applied. */
  if (o.required && !o.no_landlock) {
    if (abi == 0) return fail(EXIT_SANDBOX, "Landlock is required but unavailable", why);
    if (o.net_restrict && abi < NET_ABI) {
      char detail[160];
      snprintf(detail, sizeof detail, "TCP port rules need Landlock ABI %d, the kernel has ABI %ld", NET_ABI, abi);
      return fail(EXIT_SANDBOX, "network rules are required but unavailable", detail);
    }
  }
  return o.reaper ? run_reaper(&o, abi, why) : contain_and_exec(&o, abi, why);
}
