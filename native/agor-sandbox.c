/*
 * agor-sandbox: the helper that contains an agent (Landlock, seccomp, limits) and then
 * execs it in place. This first part answers what the kernel offers:
 *
 *   agor-sandbox --probe    one JSON line: the Landlock ABI, whether seccomp filters and
 *                           no_new_privs are available
 *
 * It carries its own Landlock constants: distribution headers lag the kernel (Debian
 * 12's stop at ABI 2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#define AGOR_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
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

enum { EXIT_USAGE = 2 };

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

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--probe") == 0) return probe();
  fprintf(stderr, "usage: agor-sandbox --probe\n  prints what the kernel offers (Landlock ABI, seccomp filters, no_new_privs) as one JSON line\n");
  return EXIT_USAGE;
}
