/*
 * agor-sandbox: the helper that contains an agent (Landlock, seccomp, limits) and then
 * execs it in place, so the agent keeps the pid, process group, session and descriptors
 * the supervisor gave it.
 *
 *   agor-sandbox --probe
 *       one JSON line: the Landlock ABI, whether seccomp filters and no_new_privs are available
 *   agor-sandbox [--required] [--deny-unix-sockets] [--read PATH]... [--write PATH]... -- PROGRAM [ARG]...
 *       sets no_new_privs, allows read-and-execute beneath each --read and read-write
 *       beneath each --write (every other file access is refused), with
 *       --deny-unix-sockets refuses socket(AF_UNIX) by a seccomp filter, then execs PROGRAM.
 *       Rights the kernel's Landlock lacks are dropped, as the kernel's own
 *       samples/landlock/sandboxer.c does; with --required a kernel without Landlock is
 *       refused instead of running unrestricted.
 *
 * Exit status of its own: 2 usage, 125 the sandbox could not be set up, 126 PROGRAM
 * could not be executed, 127 PROGRAM not found (as env(1) and timeout(1) do).
 *
 * It carries its own Landlock constants: distribution headers lag the kernel (Debian
 * 12's stop at ABI 2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
#include <sys/syscall.h>
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

struct agor_ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net; /* ABI 4; zero here until the network rules come */
  uint64_t scoped;             /* ABI 6 */
};

struct agor_path_beneath_attr {
  uint64_t allowed_access;
  int32_t parent_fd;
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

/* The Landlock ABI version, or 0 with the reason in `why` when Landlock is unavailable. */
static long landlock_abi(const char **why) {
  long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, AGOR_LANDLOCK_CREATE_RULESET_VERSION);
  if (abi >= 0) {
    *why = NULL;
    return abi;
  }
  *why = errno == ENOSYS ? "the kernel has no Landlock (built without CONFIG_SECURITY_LANDLOCK)"
         : errno == EOPNOTSUPP ? "Landlock is not enabled at boot (lsm= does not list landlock)"
                               : strerror(errno);
  return 0;
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

static int probe(void) {
  const char *why;
  long abi = landlock_abi(&why);
  int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  printf("{\"landlock_abi\":%ld,\"landlock_unavailable\":", abi);
  json_string(why);
  printf(",\"seccomp_filter\":%s,\"no_new_privs\":%s}\n", seccomp_filter_available() ? "true" : "false", nnp >= 0 ? "true" : "false");
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

static int usage(void) {
  fprintf(stderr,
          "usage: agor-sandbox --probe\n"
          "       agor-sandbox [--required] [--deny-unix-sockets] [--read PATH]... [--write PATH]... -- PROGRAM [ARG]...\n");
  return EXIT_USAGE;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--probe") == 0) return probe();
  int required = 0, unix_denied = 0, i = 1;
  /* Paths are checked in a first pass, applied in a second: nothing is restricted until the policy is whole. */
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "--required") == 0) required = 1;
    else if (strcmp(argv[i], "--deny-unix-sockets") == 0) unix_denied = 1;
    else if ((strcmp(argv[i], "--read") == 0 || strcmp(argv[i], "--write") == 0) && i + 1 < argc && argv[i + 1][0] != '\0') i++;
    else return usage();
  }
  if (i >= argc - 1) return usage();
  char **program = argv + i + 1;

  const char *why;
  long abi = landlock_abi(&why);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail(EXIT_SANDBOX, "cannot set no_new_privs", strerror(errno));
  if (abi == 0) {
    if (required) return fail(EXIT_SANDBOX, "Landlock is required but unavailable", why);
    fprintf(stderr, "agor-sandbox: warning: running without Landlock: %s\n", why);
  } else {
    struct agor_ruleset_attr attr = {0};
    attr.handled_access_fs = fs_rights(abi);
    int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (ruleset < 0) return fail(EXIT_SANDBOX, "cannot create a Landlock ruleset", strerror(errno));
    for (int k = 1; k < i; k++) {
      int code = 0;
      if (strcmp(argv[k], "--read") == 0) code = add_path(ruleset, argv[++k], FS_READ, attr.handled_access_fs);
      else if (strcmp(argv[k], "--write") == 0) code = add_path(ruleset, argv[++k], attr.handled_access_fs, attr.handled_access_fs);
      if (code) return code;
    }
    if (syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) return fail(EXIT_SANDBOX, "cannot restrict itself with Landlock", strerror(errno));
    close(ruleset);
  }
  if (unix_denied) {
    int code = deny_unix_sockets();
    if (code) return code;
  }
  execvp(program[0], program);
  return fail(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC, "cannot execute", program[0]);
}
