/*
 * effsup's native spawner: a Node-API addon that starts children from the daemon itself with
 * vfork semantics, so a spawn costs the same however large the daemon grows, and reports each
 * child's exit through a pidfd watched by libuv.
 *
 * Why not fork: libuv (node:child_process) forks the whole daemon, and fork copies its page
 * tables; the cost grows with the daemon's memory (measured 6.5-7.6 ms per spawn at 210 MiB).
 * clone(CLONE_VM | CLONE_VFORK) shares the parent's memory instead, as glibc's posix_spawn does;
 * we call clone ourselves because posix_spawn cannot express what a supervised child needs: a new
 * session, umask, chdir, supplementary groups, uid/gid and PR_SET_PDEATHSIG.
 *
 * The child runs on a small stack of its own in the parent's memory, and the parent's thread does
 * not wait for its exec (nor, unless many spawns are in flight, for it to take its own fd table,
 * see the slot sets below): the daemon goes on with
 * its work while the kernel loads the program (measured on a slow VM: half the main thread's time
 * in a start of 500 programs was spent waiting in vfork). So the child makes its own system calls
 * (no glibc wrapper: they write errno into the daemon thread's TLS), and no malloc, no stdio, no
 * glibc setuid/setgid/setgroups (in a threaded process those signal every thread of the parent to
 * change credentials too). Every signal is blocked across the clone so that no handler of the
 * daemon runs in the child; the child resets every disposition to the default and unblocks them
 * all just before exec. The child reports to the daemon through a close-on-exec pipe polled on
 * the loop: EOF once it has exec'd, or where it failed (stage and errno) before it exits with 127;
 * the daemon then reaps it and reports the failure. Its stack and request are the daemon's again
 * once that pipe has said so (the kernel gives the memory back at exec or exit, before it closes
 * the pipe).
 *
 * Exits: each child gets a pidfd (CLONE_PIDFD), polled by a uv_poll_t on the daemon's loop;
 * when it becomes readable the child is reaped with waitid(P_PIDFD), which touches no other
 * child: libuv's own SIGCHLD handling (waitpid of each of its own pids) never sees ours, and
 * ours never steals its children. A polled child keeps the event loop alive, like libuv's
 * process handles.
 *
 * Linux only; elsewhere the addon exports nothing and effsup falls back to node:child_process.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#ifdef __linux__

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "dgram.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#endif

#define CHILD_STACK_SIZE (64 * 1024)

/* Where a child failed before exec (reported to JS as `stage`). */
enum stage { STAGE_NONE = 0, STAGE_SETSID, STAGE_STDIO, STAGE_SETGROUPS, STAGE_SETGID, STAGE_SETUID,
             STAGE_PDEATHSIG, STAGE_CHDIR, STAGE_EXEC };

static const char *stage_names[] = { "", "setsid", "stdio", "setgroups", "setgid", "setuid",
                                     "pdeathsig", "chdir", "exec" };

/*
 * System calls for the child. It shares the daemon's memory and, where the daemon's thread does
 * not wait for it (SPAWN_CONCURRENT), runs beside the daemon's threads: it must not write anywhere
 * but its own stack and its request, and glibc's wrappers write errno into the calling thread's
 * TLS, which is the daemon's. So the child makes its system calls itself: a negative result is
 * -errno. Where we have no such stub, the daemon's thread waits for the exec (CLONE_VFORK) and
 * glibc's syscall() is safe.
 */
#if defined(__x86_64__)
#define SPAWN_CONCURRENT 1
static inline long raw_syscall(long n, long a, long b, long c, long d, long e) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
#define SPAWN_CONCURRENT 1
static inline long raw_syscall(long n, long a, long b, long c, long d, long e) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory", "cc");
  return x0;
}
#else
#define SPAWN_CONCURRENT 0
static long raw_syscall(long n, long a, long b, long c, long d, long e) {
  long r = syscall(n, a, b, c, d, e);
  return r < 0 ? -errno : r;
}
#endif
#define SYS(n, a, b, c, d) raw_syscall((n), (long)(a), (long)(b), (long)(c), (long)(d), 0)

/* The child's futex word (CLONE_CHILD_CLEARTID): BUSY from the clone until the child has its own
 * fd table (OWN_FDS), 0 once the kernel has given the memory back (the child exec'd or exited). */
#define TID_BUSY 1
#define TID_OWN_FDS 2

/* Everything the child needs, prepared by the parent and untouched by it until the child is done. */
struct request {
  const char *file;
  char **argv;
  char **envp;
  const char *cwd;      /* NULL: stay */
  int umask;            /* -1: inherit */
  int change_user;      /* set uid, gid and groups below */
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t ngroups;
  int stdio[3];         /* the child's ends of its stdin (or a given fd, e.g. a FastCGI socket), stdout and stderr */
  int ready_fd;         /* -1, or the write end of the ready=fd:N pipe, placed at ready_target in the child */
  int ready_target;
  int report_fd;        /* write end of the close-on-exec pipe: EOF at exec, or { stage, errno } */
  int unshare_from;     /* > 0: the fd table is shared (CLONE_FILES); keep only the fds below this */
  int set;              /* the parent's: the slot set holding the child's fds (-1: none, or given back) */
  pid_t parent;
  volatile int tid;     /* TID_BUSY, TID_OWN_FDS, then 0 (see above) */
};

/* Report where the child failed and exit; the parent reaps it and reports a spawn failure. */
static void child_fail(struct request *req, int stage, long result) {
  int report[2] = { stage, (int)-result };
  SYS(SYS_write, req->report_fd, report, sizeof report, 0);
  for (;;) SYS(SYS_exit, 127, 0, 0, 0);
}

#define CHECKED(stage, call) do { long r_ = (call); if (r_ < 0) child_fail(req, (stage), r_); } while (0)

/* Move fd above `floor` (close-on-exec) unless it is there already. */
static int child_lift(struct request *req, int fd, int floor) {
  if (fd < 0 || fd >= floor) return fd;
  long moved = SYS(SYS_fcntl, fd, F_DUPFD_CLOEXEC, floor, 0);
  if (moved < 0) child_fail(req, STAGE_STDIO, moved);
  return (int)moved;
}

/* The child, between clone and exec: its own system calls only (see raw_syscall). */
static int child_main(void *arg) {
  struct request *req = arg;
  /* A private fd table holding only the daemon's first few fds, among them our pipe ends: copying
   * (and closing at exec) the thousands a busy daemon holds would cost more than the rest of the
   * spawn together. Then the daemon may reuse its fd slots. */
  if (req->unshare_from > 0) {
    CHECKED(STAGE_STDIO, SYS(SYS_close_range, req->unshare_from, ~0U, CLOSE_RANGE_UNSHARE, 0));
    __atomic_store_n(&req->tid, TID_OWN_FDS, __ATOMIC_RELEASE);
    SYS(SYS_futex, &req->tid, FUTEX_WAKE, 1, 0);
    /* Tell the loop too: the daemon's copies in the slots keep the report pipe from reaching EOF. */
    int own_fds[2] = { STAGE_NONE, 0 };
    SYS(SYS_write, req->report_fd, own_fds, sizeof own_fds, 0);
  }
  /* No handler of the daemon may run here, and none should stay ignored after exec. An all-zero
   * kernel sigaction is SIG_DFL; every signal stays blocked until just before exec. */
  unsigned long dfl[4] = { 0, 0, 0, 0 };
  for (int sig = 1; sig <= 64; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) SYS(SYS_rt_sigaction, sig, dfl, 0, 8);
  }
  CHECKED(STAGE_SETSID, SYS(SYS_setsid, 0, 0, 0, 0));
  /* Move our fds above every target first (0-2, and the ready fd's), so that placing one cannot
   * clobber another (or the report pipe). */
  int above = req->ready_fd >= 0 && req->ready_target >= 3 ? req->ready_target + 1 : 3;
  for (int i = 0; i < 3; i++) req->stdio[i] = child_lift(req, req->stdio[i], above);
  req->ready_fd = child_lift(req, req->ready_fd, above);
  req->report_fd = child_lift(req, req->report_fd, above);
  for (int i = 0; i < 3; i++) CHECKED(STAGE_STDIO, SYS(SYS_dup3, req->stdio[i], i, 0, 0));
  /* Whatever the daemon inherited without close-on-exec stays out of the child (supervisord closes
   * every fd above 2). Failing (an old kernel) is harmless: the daemon's own fds are all CLOEXEC. */
  SYS(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC, 0);
  /* The one fd above 2 the child gets on purpose (dup3 leaves it without close-on-exec). */
  if (req->ready_fd >= 0) CHECKED(STAGE_STDIO, SYS(SYS_dup3, req->ready_fd, req->ready_target, 0, 0));
  if (req->change_user) {
    CHECKED(STAGE_SETGROUPS, SYS(SYS_setgroups, req->ngroups, req->groups, 0, 0));
    CHECKED(STAGE_SETGID, SYS(SYS_setgid, req->gid, 0, 0, 0));
    CHECKED(STAGE_SETUID, SYS(SYS_setuid, req->uid, 0, 0, 0));
  }
  /* After the credentials change, which clears it. If the daemon died before this line, the
   * signal will never come: give up instead of running as an orphan. */
  CHECKED(STAGE_PDEATHSIG, SYS(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0));
  if (SYS(SYS_getppid, 0, 0, 0, 0) != req->parent) child_fail(req, STAGE_PDEATHSIG, -ESRCH);
  if (req->cwd != NULL) CHECKED(STAGE_CHDIR, SYS(SYS_chdir, req->cwd, 0, 0, 0));
  if (req->umask >= 0) SYS(SYS_umask, req->umask, 0, 0, 0);
  unsigned long none = 0;
  SYS(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0, 8);
  child_fail(req, STAGE_EXEC, SYS(SYS_execve, req->file, req->argv, req->envp, 0));
  return 127;
}

/*
 * What spawns share (spawn_lock): where the kernel has CLOSE_RANGE_UNSHARE (5.9), sets of five fd
 * slots reserved low in the daemon's fd table (holding /dev/null when free): stdin, stdout,
 * stderr, a ready=fd:N pipe and the report pipe. A spawn places the child's fds in a free set and
 * shares the fd table with the child (CLONE_FILES), which first keeps only the fds below the
 * slots' end: a hundred or so, whatever the daemon holds (measured: 0.8 ms per spawn with 3000
 * open fds when the child copies them all). The daemon does not wait for that: the set is given
 * back when the child says it has its own table (TID_OWN_FDS in its futex word, and a message on
 * its report pipe, read on the loop), and only a spawn that finds every set taken waits, for the
 * oldest. Waiting at every spawn for the new child to be scheduled was, on a busy 2-core VM, a
 * quarter of the daemon's wall time in a start of 500 programs. (A child SIGKILLed by someone else
 * before its first system call never says so: its set, and with it the EOF that reports its end,
 * waits for the next spawn, which finds the child's futex word cleared.) Each child in flight has
 * a stack of its own, from a pool.
 */
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;
static int null_fd = -1;
#define NSLOTS 5
#define NSETS 16
static int slots[NSETS][NSLOTS];
static struct request *set_user[NSETS]; /* whose child may still share the fd table; NULL: free */
static unsigned long set_taken[NSETS];  /* when (in spawns) it was taken: the oldest is waited for */
static unsigned long spawn_count;
static int slots_end; /* 0: no slots, every spawn copies the whole fd table */

/* Child stacks (a guard page below each), kept for reuse once their child is done with them. */
#define SPARE_STACKS 32
static char *spare_stacks[SPARE_STACKS];
static int spare_count;

static size_t page_size(void) {
  return (size_t)sysconf(_SC_PAGESIZE);
}

/* The top of a child stack, or NULL (errno set); with spawn_lock held. */
static char *take_stack(void) {
  if (spare_count > 0) return spare_stacks[--spare_count];
  size_t page = page_size();
  char *base = mmap(NULL, CHILD_STACK_SIZE + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) return NULL;
  if (mprotect(base, page, PROT_NONE) < 0) {
    munmap(base, CHILD_STACK_SIZE + page);
    return NULL;
  }
  return base + page + CHILD_STACK_SIZE;
}

/* Give back a stack no child uses any more (with spawn_lock held). */
static void return_stack(char *top) {
  if (top == NULL) return;
  if (spare_count < SPARE_STACKS) {
    spare_stacks[spare_count++] = top;
    return;
  }
  size_t page = page_size();
  munmap(top - CHILD_STACK_SIZE - page, CHILD_STACK_SIZE + page);
}

/* The probe's child: can it unshare its fd table with close_range? (Never try it in the daemon:
 * its threads share the table, and unsharing would split the daemon's own fds in two.) */
static int probe_unshare(void *arg) {
  (void)arg;
  _exit(syscall(SYS_close_range, ~0U, ~0U, CLOSE_RANGE_UNSHARE) == 0 ? 0 : 1);
}

static int kernel_can_unshare(void) {
  char *stack = take_stack();
  if (stack == NULL) return 0;
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = clone(probe_unshare, stack, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, NULL);
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  int status = 0;
  if (pid > 0) while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return_stack(stack);
  return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Make the slots, once; called with spawn_lock held. */
static void ensure_slots(void) {
  if (null_fd >= 0) return;
  null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0 || !kernel_can_unshare()) return; /* before Linux 5.9: every spawn copies the table */
  int *all = &slots[0][0];
  for (int i = 0; i < NSETS * NSLOTS; i++) {
    all[i] = fcntl(null_fd, F_DUPFD_CLOEXEC, 3);
    if (all[i] < 0) {
      for (int j = 0; j < i; j++) close(all[j]);
      slots_end = 0; /* no slots after all: every spawn copies the table */
      return;
    }
    if (all[i] + 1 > slots_end) slots_end = all[i] + 1;
  }
}

/* Put /dev/null back in set s, dropping the daemon's references to a child's pipe ends. */
static void clear_set(int s) {
  for (int i = 0; i < NSLOTS; i++) dup3(null_fd, slots[s][i], O_CLOEXEC);
}

/* Set s is free again: its child has its own fd table (or is gone). With spawn_lock held. */
static void release_set(int s) {
  clear_set(s);
  set_user[s]->set = -1;
  set_user[s] = NULL;
}

/* Until the child has its own fd table, the slots are its fds (a child that exited ends it too). */
static void wait_own_fds(struct request *req) {
  struct timespec tick = { 0, 1000000 };
  while (__atomic_load_n(&req->tid, __ATOMIC_ACQUIRE) == TID_BUSY)
    syscall(SYS_futex, &req->tid, FUTEX_WAIT, TID_BUSY, &tick, NULL, 0);
}

/* A free slot set (spawn_lock held): an unused one, else one whose child has its own fd table by
 * now, else the oldest once its child has. */
static int take_set(void) {
  for (int s = 0; s < NSETS; s++) if (set_user[s] == NULL) return s;
  int oldest = 0, freed = -1;
  for (int s = 0; s < NSETS; s++) {
    if (__atomic_load_n(&set_user[s]->tid, __ATOMIC_ACQUIRE) != TID_BUSY) {
      release_set(s);
      freed = s;
    } else if (set_taken[s] < set_taken[oldest]) {
      oldest = s;
    }
  }
  if (freed >= 0) return freed;
  wait_own_fds(set_user[oldest]);
  release_set(oldest);
  return oldest;
}

/* Give back the set of a request whose child has its own fd table, exec'd or is gone. */
static void release_request_set(struct request *req) {
  pthread_mutex_lock(&spawn_lock);
  if (req->set >= 0 && set_user[req->set] == req) release_set(req->set);
  pthread_mutex_unlock(&spawn_lock);
}

/* ------------------------------------------------------------------------------------------ */
/* Small Node-API helpers                                                                      */
/* ------------------------------------------------------------------------------------------ */

#define CHECK(call) do { if ((call) != napi_ok) goto napi_failed; } while (0)

static const char *errno_name(int err) {
  switch (err) {
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case EISDIR: return "EISDIR";
    case ELIBBAD: return "ELIBBAD";
    case ELOOP: return "ELOOP";
    case EMFILE: return "EMFILE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENFILE: return "ENFILE";
    case ENOENT: return "ENOENT";
    case ENOEXEC: return "ENOEXEC";
    case ENOMEM: return "ENOMEM";
    case ENOSYS: return "ENOSYS";
    case ENOTDIR: return "ENOTDIR";
    case EPERM: return "EPERM";
    case ESRCH: return "ESRCH";
    case ETXTBSY: return "ETXTBSY";
    case E2BIG: return "E2BIG";
    case ECHILD: return "ECHILD";
    default: return NULL;
  }
}

/* An Error whose `code` is the errno name and `stage` says where it happened (NULL on failure). */
static napi_value errno_error(napi_env env, const char *stage, int err) {
  char code_buf[32];
  const char *code = errno_name(err);
  if (code == NULL) {
    snprintf(code_buf, sizeof code_buf, "E%d", err);
    code = code_buf;
  }
  char message[128];
  snprintf(message, sizeof message, "%s failed: %s", stage, code);
  napi_value msg, error, code_value, stage_value;
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_error(env, NULL, msg, &error) != napi_ok) return NULL;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
  napi_create_string_utf8(env, stage, NAPI_AUTO_LENGTH, &stage_value);
  napi_set_named_property(env, error, "code", code_value);
  napi_set_named_property(env, error, "stage", stage_value);
  return error;
}

/* Throw errno_error(stage, err). */
static void throw_errno(napi_env env, const char *stage, int err) {
  napi_value error = errno_error(env, stage, err);
  if (error != NULL) napi_throw(env, error);
}

/* A JS string as a malloc'd C string (NULL on failure, with a JS exception pending). */
static char *string_arg(napi_env env, napi_value value) {
  size_t len;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, value, s, len + 1, &len);
  return s;
}

/* A JS array of strings as a NULL-terminated malloc'd vector. */
static char **string_array_arg(napi_env env, napi_value value) {
  uint32_t n;
  if (napi_get_array_length(env, value, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an array of strings");
    return NULL;
  }
  char **v = calloc((size_t)n + 1, sizeof(char *));
  if (v == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, value, i, &item) != napi_ok || (v[i] = string_arg(env, item)) == NULL) {
      for (uint32_t j = 0; j < i; j++) free(v[j]);
      free(v);
      return NULL;
    }
  }
  return v;
}

static void free_string_array(char **v) {
  if (v == NULL) return;
  for (char **p = v; *p != NULL; p++) free(*p);
  free(v);
}

static int int_arg(napi_env env, napi_value value, int64_t *out) {
  return napi_get_value_int64(env, value, out) == napi_ok ? 0 : -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Exit watching                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Per Node environment (main thread or worker): the one async context every callback runs in. */
struct job;
struct env_data {
  napi_async_context async;
  struct job *jobs_head, *jobs_tail; /* spawns in flight, in the order they were made */
};

/* At the environment's teardown the context goes with it: only our memory is freed. */
static void env_data_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static struct env_data *env_data_of(napi_env env) {
  struct env_data *d = NULL;
  napi_get_instance_data(env, (void **)&d);
  return d;
}

static napi_async_context env_async(napi_env env) {
  struct env_data *d = env_data_of(env);
  return d == NULL ? NULL : d->async;
}

/* One running child: its pidfd polled on the loop, and whom to tell when it ends. */
struct child {
  uv_poll_t poll;
  int pidfd;
  napi_env env;
  napi_ref on_exit;
};

static void child_closed(uv_handle_t *handle) {
  free(handle->data);
}

static void child_release(struct child *c) {
  napi_delete_reference(c->env, c->on_exit);
  close(c->pidfd);
  uv_close((uv_handle_t *)&c->poll, child_closed);
}

/* The pidfd is readable: the child has ended. Reap it and call on_exit(code, signal, dumped). */
static void child_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  struct child *c = poll->data;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int r = waitid(P_PIDFD, (id_t)c->pidfd, &info, WEXITED | WNOHANG);
  if (status == 0 && r == 0 && info.si_pid == 0) return; /* not yet */
  uv_poll_stop(poll);
  napi_env env = c->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) == napi_ok) {
    napi_value code, signal, dumped, callback, global, result;
    napi_get_null(env, &code);
    napi_get_null(env, &signal);
    /* r < 0 (ECHILD: someone else reaped it): both stay null, an unknown termination cause. */
    if (r == 0 && info.si_code == CLD_EXITED) napi_create_int32(env, info.si_status, &code);
    else if (r == 0) napi_create_int32(env, info.si_status, &signal);
    /* the signal left a core dump (supervisord says `terminated by SIGSEGV (core dumped)`) */
    napi_get_boolean(env, r == 0 && info.si_code == CLD_DUMPED, &dumped);
    napi_value argv[3] = { code, signal, dumped };
    napi_get_reference_value(env, c->on_exit, &callback);
    napi_get_global(env, &global);
    napi_make_callback(env, env_async(env), global, callback, 3, argv, &result);
    napi_close_handle_scope(env, scope);
  }
  child_release(c);
}

/* ------------------------------------------------------------------------------------------ */
/* spawn(file, argv, envp, cwd, umask, user, onExit, options, onStarted)                       */
/* ------------------------------------------------------------------------------------------ */

static void close_all(int *fds, int n) {
  for (int i = 0; i < n; i++) if (fds[i] >= 0) close(fds[i]);
}

/* An optional numeric property of an options object: 0 and *out set, 1 absent, -1 not a number. */
static int optional_int(napi_env env, napi_value object, const char *name, int64_t *out) {
  bool has = false;
  napi_value v;
  if (napi_has_named_property(env, object, name, &has) != napi_ok || !has) return 1;
  if (napi_get_named_property(env, object, name, &v) != napi_ok) return -1;
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok) return -1;
  if (type == napi_undefined) return 1;
  return int_arg(env, v, out);
}

/* Watch a started child's pidfd for its exit (child_readable); 0, or -1 when it cannot be. */
static int watch_exit(napi_env env, int pidfd, napi_ref on_exit) {
  struct child *c = calloc(1, sizeof *c);
  uv_loop_t *loop;
  if (c == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &c->poll, pidfd) != 0) {
    free(c);
    return -1;
  }
  c->poll.data = c;
  c->pidfd = pidfd;
  c->env = env;
  c->on_exit = on_exit;
  uv_poll_start(&c->poll, UV_READABLE, child_readable);
  return 0;
}

/*
 * A spawn in flight: the child, its request and stack (its until it has exec'd or exited), and
 * the read end of its report pipe, polled on the loop: EOF once the child has exec'd (the write
 * end is close-on-exec), or { stage, errno } when it failed before.
 */
struct job {
  uv_poll_t poll;
  struct request req;
  char *stack;
  char *file, *cwd;
  char **argv, **envp;
  gid_t *groups;
  int report_fd;
  pid_t pid;
  int pidfd;
  int fds[4];           /* the daemon's ends: stdin (write), stdout, stderr, ready */
  napi_env env;
  napi_ref on_exit, on_started;
  struct job *next;     /* the next spawn made (env_data's list) */
  int reported;         /* the child has exec'd or failed: report and report_size hold what it said */
  int report[2];        /* { STAGE_NONE, 0 }: it has its own fds; { stage, errno }: it failed there */
  size_t report_got;    /* bytes of report read so far */
  ssize_t report_size;
};

/* What a job owns besides its handle; its child no longer uses any of it. */
static void job_free(struct job *j) {
  pthread_mutex_lock(&spawn_lock); /* the spare stacks are shared by every environment's spawns */
  return_stack(j->stack);
  pthread_mutex_unlock(&spawn_lock);
  free(j->file);
  free(j->cwd);
  free_string_array(j->argv);
  free_string_array(j->envp);
  free(j->groups);
  free(j);
}

static void job_closed(uv_handle_t *handle) {
  struct job *j = handle->data;
  close(j->report_fd);
  job_free(j);
}

/* The child has exec'd, or reported where it failed: call onStarted(error | null, [pid, fds]). */
static void job_finish(struct job *j) {
  napi_env env = j->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value argv[2] = { NULL, NULL };
  napi_get_undefined(env, &argv[1]);
  int failed_stage = j->report_size == (ssize_t)sizeof j->report && j->report[0] > STAGE_NONE && j->report[0] <= STAGE_EXEC
    ? j->report[0] : STAGE_NONE;
  int watch_err = 0;
  if (failed_stage == STAGE_NONE && watch_exit(env, j->pidfd, j->on_exit) < 0) watch_err = ENOMEM;
  if (failed_stage != STAGE_NONE || watch_err != 0) {
    /* It exits (failed) or must not run unwatched (should never happen): reap it, nothing stays open. */
    if (watch_err != 0) kill(j->pid, SIGKILL);
    siginfo_t ignored;
    while (waitid(P_PIDFD, (id_t)j->pidfd, &ignored, WEXITED) < 0 && errno == EINTR) {}
    close(j->pidfd);
    close_all(j->fds, 4);
    napi_delete_reference(env, j->on_exit);
    argv[0] = errno_error(env, watch_err != 0 ? "watch" : stage_names[failed_stage], watch_err != 0 ? watch_err : j->report[1]);
  } else {
    /* exec'd (or killed before it could: its exit is then reported like any other) */
    napi_get_null(env, &argv[0]);
    napi_create_array_with_length(env, 5, &argv[1]);
    napi_value v;
    napi_create_int32(env, j->pid, &v);
    napi_set_element(env, argv[1], 0, v);
    for (uint32_t i = 0; i < 4; i++) {
      napi_create_int32(env, j->fds[i], &v);
      napi_set_element(env, argv[1], i + 1, v);
    }
  }
  napi_value callback, global, result;
  napi_get_reference_value(env, j->on_started, &callback);
  napi_delete_reference(env, j->on_started);
  napi_get_global(env, &global);
  uv_close((uv_handle_t *)&j->poll, job_closed);
  if (argv[0] != NULL) napi_make_callback(env, env_async(env), global, callback, 2, argv, &result);
  napi_close_handle_scope(env, scope);
}

/*
 * The report pipe is readable. Spawns complete in the order they were made, as when the daemon
 * waited for each exec: a child that exec'd before an earlier one waits for it (its `spawned:`
 * line comes after the earlier one's, as supervisord's do).
 */
static void job_readable(uv_poll_t *poll, int status, int events) {
  (void)status;
  (void)events;
  struct job *j = poll->data;
  for (;;) {
    ssize_t n = read(j->report_fd, (char *)j->report + j->report_got, sizeof j->report - j->report_got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) break; /* EOF: exec'd (or killed before it could say anything) */
    j->report_got += (size_t)n;
    if (j->report_got < sizeof j->report) continue;
    if (j->report[0] != STAGE_NONE) break; /* where it failed */
    release_request_set(&j->req); /* it has its own fds */
    j->report_got = 0;
  }
  uv_poll_stop(poll);
  release_request_set(&j->req);
  j->reported = 1;
  j->report_size = (ssize_t)j->report_got;
  struct env_data *d = env_data_of(j->env);
  while (d != NULL && d->jobs_head != NULL && d->jobs_head->reported) {
    struct job *done = d->jobs_head;
    d->jobs_head = done->next;
    if (d->jobs_head == NULL) d->jobs_tail = NULL;
    job_finish(done);
  }
}

/*
 * spawn(file: string, argv: string[], envp: string[], cwd: string | null, umask: number (-1 none),
 *       user: { uid, gid, groups: number[] } | null, onExit: (code, signal, dumped) => void,
 *       options: { stdin?: fd, readyFd?: N, stderrToStdout?: 1 } | undefined,
 *       onStarted: (error, [pid, stdin, stdout, stderr, ready]) => void)
 *   → the child's pid. The daemon's thread goes on at once; the child sets itself up and execs
 *     on its own stack. onStarted is called from the loop once it has exec'd, with its pid and
 *     the daemon's ends of the pipes (stdin is the write end; all close-on-exec,
 *     stdout/stderr/ready non-blocking), and only then is its exit watched (onExit). With
 *     options.stdin the child's fd 0 is a duplicate of that fd (a FastCGI socket) and stdin is
 *     -1. With options.readyFd (>= 3) the child's fd N is the write end of a pipe whose read end
 *     is `ready`; otherwise ready is -1. With options.stderrToStdout (redirect_stderr) the child's
 *     fd 2 is its stdout pipe, so both keep the order they were written in, and stderr is -1.
 *     When the child failed before exec, onStarted gets an Error with `code` (errno name) and
 *     `stage` (where), the child has been reaped and nothing of it is open; onExit is never called.
 * Throws an Error with `code` and `stage` ("pipe"/"clone") when no child could be made.
 */
static napi_value spawn(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value args[9];
  struct job *job = calloc(1, sizeof *job);
  napi_value result = NULL;
  int fds[10] = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 }; /* stdin r/w, stdout r/w, stderr r/w, ready r/w, report r/w */
  int64_t given_stdin = -1, ready_target = -1, stderr_to_stdout = 0;
  if (job == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  struct request *req = &job->req;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 9) {
    napi_throw_type_error(env, NULL, "spawn takes 9 arguments");
    goto done;
  }

  if ((job->file = string_arg(env, args[0])) == NULL) goto done;
  if ((job->argv = string_array_arg(env, args[1])) == NULL) goto done;
  if ((job->envp = string_array_arg(env, args[2])) == NULL) goto done;
  napi_valuetype type;
  CHECK(napi_typeof(env, args[3], &type));
  if (type == napi_string && (job->cwd = string_arg(env, args[3])) == NULL) goto done;
  int64_t mask;
  if (int_arg(env, args[4], &mask) < 0) {
    napi_throw_type_error(env, NULL, "umask must be a number");
    goto done;
  }
  CHECK(napi_typeof(env, args[5], &type));
  if (type == napi_object) {
    napi_value v, list;
    int64_t uid, gid;
    uint32_t n;
    CHECK(napi_get_named_property(env, args[5], "uid", &v));
    if (int_arg(env, v, &uid) < 0) goto bad_user;
    CHECK(napi_get_named_property(env, args[5], "gid", &v));
    if (int_arg(env, v, &gid) < 0) goto bad_user;
    CHECK(napi_get_named_property(env, args[5], "groups", &list));
    if (napi_get_array_length(env, list, &n) != napi_ok) goto bad_user;
    job->groups = calloc(n == 0 ? 1 : n, sizeof(gid_t));
    if (job->groups == NULL) goto napi_failed;
    for (uint32_t i = 0; i < n; i++) {
      int64_t g;
      CHECK(napi_get_element(env, list, i, &v));
      if (int_arg(env, v, &g) < 0) goto bad_user;
      job->groups[i] = (gid_t)g;
    }
    req->change_user = 1;
    req->uid = (uid_t)uid;
    req->gid = (gid_t)gid;
    req->groups = job->groups;
    req->ngroups = n;
  }
  napi_valuetype exit_type, started_type;
  CHECK(napi_typeof(env, args[6], &exit_type));
  CHECK(napi_typeof(env, args[8], &started_type));
  if (exit_type != napi_function || started_type != napi_function) {
    napi_throw_type_error(env, NULL, "onExit and onStarted must be functions");
    goto done;
  }
  CHECK(napi_typeof(env, args[7], &type));
  if (type == napi_object && (optional_int(env, args[7], "stdin", &given_stdin) < 0 ||
                              optional_int(env, args[7], "readyFd", &ready_target) < 0 ||
                              optional_int(env, args[7], "stderrToStdout", &stderr_to_stdout) < 0 ||
                              (ready_target != -1 && (ready_target < 3 || ready_target > 1023)))) {
    napi_throw_type_error(env, NULL, "options must be { stdin?: fd, readyFd?: 3..1023, stderrToStdout?: 0 | 1 }");
    goto done;
  }

  for (int i = 0; i < 5; i++) {
    if (i == 0 && given_stdin >= 0) {
      /* fds[0] is ours to close like a pipe end; the caller keeps its own fd. */
      if ((fds[0] = fcntl((int)given_stdin, F_DUPFD_CLOEXEC, 3)) < 0) {
        throw_errno(env, "stdin", errno);
        goto done;
      }
      continue;
    }
    if (i == 2 && stderr_to_stdout > 0) continue;
    if (i == 3 && ready_target < 0) continue;
    if (pipe2(&fds[2 * i], O_CLOEXEC) < 0) {
      throw_errno(env, "pipe", errno);
      goto done;
    }
  }
  /* The daemon reads stdout/stderr/ready/report without blocking; stdin is written through libuv too. */
  fcntl(fds[2], F_SETFL, O_NONBLOCK);
  if (fds[4] >= 0) fcntl(fds[4], F_SETFL, O_NONBLOCK);
  if (fds[1] >= 0) fcntl(fds[1], F_SETFL, O_NONBLOCK);
  if (fds[6] >= 0) fcntl(fds[6], F_SETFL, O_NONBLOCK);
  fcntl(fds[8], F_SETFL, O_NONBLOCK);

  req->file = job->file;
  req->argv = job->argv;
  req->envp = job->envp;
  req->cwd = job->cwd;
  req->umask = mask < 0 ? -1 : (int)mask;
  req->stdio[0] = fds[0];
  req->stdio[1] = fds[3];
  /* redirect_stderr: the child's fd 2 is its stdout pipe too */
  int child_stderr = fds[5] >= 0 ? fds[5] : fds[3];
  req->stdio[2] = child_stderr;
  req->ready_fd = fds[7];
  req->ready_target = (int)ready_target;
  req->report_fd = fds[9];
  req->parent = getpid();
  req->set = -1;
  req->tid = TID_BUSY;

  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  CHECK(napi_create_reference(env, args[6], 1, &job->on_exit));
  CHECK(napi_create_reference(env, args[8], 1, &job->on_started));
  int pidfd = -1;
  sigset_t all, previous;
  sigfillset(&all);
  pthread_mutex_lock(&spawn_lock);
  ensure_slots();
  if ((job->stack = take_stack()) == NULL) {
    int err = errno;
    pthread_mutex_unlock(&spawn_lock);
    throw_errno(env, "clone", err);
    goto done;
  }
  int flags = CLONE_VM | CLONE_PIDFD | CLONE_CHILD_CLEARTID | SIGCHLD;
  if (!SPAWN_CONCURRENT) flags |= CLONE_VFORK;
  int set = slots_end > 0 ? take_set() : -1;
  if (set >= 0) {
    int *slot = slots[set];
    if (dup3(fds[0], slot[0], O_CLOEXEC) >= 0 && dup3(fds[3], slot[1], O_CLOEXEC) >= 0 &&
        dup3(child_stderr, slot[2], O_CLOEXEC) >= 0 && (fds[7] < 0 || dup3(fds[7], slot[3], O_CLOEXEC) >= 0) &&
        dup3(fds[9], slot[4], O_CLOEXEC) >= 0) {
      for (int i = 0; i < 3; i++) req->stdio[i] = slot[i];
      if (fds[7] >= 0) req->ready_fd = slot[3];
      req->report_fd = slot[4];
      req->unshare_from = slots_end;
      req->set = set;
      set_user[set] = req;
      set_taken[set] = ++spawn_count;
      flags |= CLONE_FILES;
    } else {
      clear_set(set); /* the child copies the whole table instead */
    }
  }
  /* Every signal blocked across the clone: no handler of the daemon may run in the child. */
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = clone(child_main, job->stack, flags, req, &pidfd, NULL, &req->tid);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  /* No child, or (CLONE_VFORK) one that has exec'd or exited already: the set is free. */
  if (req->set >= 0 && (pid < 0 || !SPAWN_CONCURRENT)) release_set(req->set);
  pthread_mutex_unlock(&spawn_lock);

  /* The child's ends belong to the child now (or to nobody). */
  for (int i = 0; i < 10; i += (i == 0 ? 3 : 2)) {
    if (fds[i] >= 0) close(fds[i]);
    fds[i] = -1;
  }
  if (pid < 0) {
    throw_errno(env, "clone", clone_errno);
    goto done;
  }
  job->pid = pid;
  job->pidfd = pidfd;
  job->env = env;
  job->report_fd = fds[8];
  job->fds[0] = fds[1];
  job->fds[1] = fds[2];
  job->fds[2] = fds[4];
  job->fds[3] = fds[6];
  fds[1] = fds[2] = fds[4] = fds[6] = fds[8] = -1;
  job->poll.data = job;
  if (uv_poll_init(loop, &job->poll, job->report_fd) != 0) {
    /* Should never happen; the child must not be lost: wait for its exec (or exit), then report. */
    while (__atomic_load_n(&req->tid, __ATOMIC_ACQUIRE) != 0) syscall(SYS_futex, &req->tid, FUTEX_WAIT, req->tid, NULL, NULL, 0);
    release_request_set(req);
    kill(pid, SIGKILL);
    siginfo_t ignored;
    waitid(P_PIDFD, (id_t)pidfd, &ignored, WEXITED);
    close(pidfd);
    close(job->report_fd);
    close_all(job->fds, 4);
    throw_errno(env, "watch", ENOMEM);
    goto done;
  }
  uv_poll_start(&job->poll, UV_READABLE, job_readable);
  struct env_data *data = env_data_of(env);
  if (data->jobs_tail != NULL) data->jobs_tail->next = job;
  else data->jobs_head = job;
  data->jobs_tail = job;
  job = NULL; /* the loop has it now */
  napi_create_int32(env, pid, &result);
  goto done;

bad_user:
  napi_throw_type_error(env, NULL, "user must be { uid, gid, groups }");
  goto done;
napi_failed:
  {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, NULL, "spawn: Node-API call failed");
  }
done:
  close_all(fds, 10);
  if (job != NULL) {
    if (job->on_exit != NULL) napi_delete_reference(env, job->on_exit);
    if (job->on_started != NULL) napi_delete_reference(env, job->on_started);
    job_free(job);
  }
  return result;
}

/* ------------------------------------------------------------------------------------------ */
/* listen(spec) → fd: a FastCGI program's listening socket                                    */
/* ------------------------------------------------------------------------------------------ */

/* Throw an Error for a failed listen: `stage` (socket, bind, chown, chmod, listen, resolve),
 * `errno` (negative: a getaddrinfo code) and `reason` (strerror / gai_strerror). */
static void throw_listen(napi_env env, const char *stage, int err, const char *reason) {
  napi_value msg, error, stage_value, errno_value, reason_value;
  if (napi_create_string_utf8(env, reason, NAPI_AUTO_LENGTH, &msg) != napi_ok) return;
  if (napi_create_error(env, NULL, msg, &error) != napi_ok) return;
  napi_create_string_utf8(env, stage, NAPI_AUTO_LENGTH, &stage_value);
  napi_create_int32(env, err, &errno_value);
  napi_create_string_utf8(env, reason, NAPI_AUTO_LENGTH, &reason_value);
  napi_set_named_property(env, error, "stage", stage_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_set_named_property(env, error, "reason", reason_value);
  napi_throw(env, error);
}

/*
 * listen({ path, mode, uid, gid, backlog } | { host, port, backlog }) → fd, as supervisord's
 * socket_manager makes it: a unix socket replaces whatever is at `path`, is chowned (uid/gid -1:
 * unchanged) and chmodded (mode -1: unchanged), and is unlinked again when a step fails; a TCP
 * socket is IPv4 (supervisord's AF_INET) with SO_REUSEADDR. The fd is blocking (the children
 * accept() on it) and close-on-exec (the spawner places it at a child's fd 0).
 */
static napi_value listen_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value spec, v, result = NULL;
  char *path = NULL, *host = NULL;
  int64_t backlog = SOMAXCONN, mode = -1, uid = -1, gid = -1, port = 0;
  bool has_path = false;
  int fd = -1;
  const char *stage = "socket";
  CHECK(napi_get_cb_info(env, info, &argc, &spec, NULL, NULL));
  if (argc < 1 || napi_has_named_property(env, spec, "path", &has_path) != napi_ok ||
      optional_int(env, spec, "backlog", &backlog) < 0 || optional_int(env, spec, "mode", &mode) < 0 ||
      optional_int(env, spec, "uid", &uid) < 0 || optional_int(env, spec, "gid", &gid) < 0 ||
      optional_int(env, spec, "port", &port) < 0) {
    napi_throw_type_error(env, NULL, "listen takes { path, mode, uid, gid, backlog } or { host, port, backlog }");
    return NULL;
  }
  if (has_path) {
    CHECK(napi_get_named_property(env, spec, "path", &v));
    if ((path = string_arg(env, v)) == NULL) goto done;
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
      errno = ENAMETOOLONG;
      stage = "bind";
      goto failed;
    }
    strcpy(addr.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0) unlink(path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) goto failed;
    stage = "bind";
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) goto failed;
    stage = "chown";
    if ((uid >= 0 || gid >= 0) && chown(path, (uid_t)uid, (gid_t)gid) < 0) goto unlink_failed;
    stage = "chmod";
    if (mode >= 0 && chmod(path, (mode_t)mode) < 0) goto unlink_failed;
  } else {
    CHECK(napi_get_named_property(env, spec, "host", &v));
    if ((host = string_arg(env, v)) == NULL) goto done;
    struct addrinfo hints, *found = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char service[16];
    snprintf(service, sizeof service, "%d", (int)port);
    int gai = getaddrinfo(host, service, &hints, &found);
    if (gai != 0) {
      throw_listen(env, "resolve", gai, gai_strerror(gai));
      goto done;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    int bound = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
                (stage = "bind", bind(fd, found->ai_addr, found->ai_addrlen) == 0);
    freeaddrinfo(found);
    if (!bound) goto failed;
  }
  stage = "listen";
  if (listen(fd, (int)backlog) < 0) {
    if (path != NULL) goto unlink_failed;
    goto failed;
  }
  CHECK(napi_create_int32(env, fd, &result));
  fd = -1;
  goto done;
unlink_failed:
  {
    int err = errno;
    unlink(path);
    errno = err;
  }
failed:
  {
    int err = errno;
    throw_listen(env, stage, err, strerror(err));
  }
  goto done;
napi_failed:
  {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, NULL, "listen: Node-API call failed");
  }
done:
  if (fd >= 0) close(fd);
  free(path);
  free(host);
  return result;
}

/* ------------------------------------------------------------------------------------------ */
/* lookupUser(nameOrUid) → { name, uid, gid, groups } | null                                  */
/* ------------------------------------------------------------------------------------------ */

/* The user's uid, primary gid and every group that lists it (getgrouplist, through NSS). */
static napi_value lookup_user(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, result = NULL;
  char *who = NULL, *buf = NULL;
  gid_t *groups = NULL;
  struct passwd pw, *found = NULL;
  size_t size = 16384;
  CHECK(napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
  if ((who = string_arg(env, arg)) == NULL) return NULL;
  if ((buf = malloc(size)) == NULL) goto napi_failed;
  char *end;
  errno = 0;
  long id = strtol(who, &end, 10);
  int numeric = *who != '\0' && *end == '\0' && errno == 0 && id >= 0;
  int r;
  while ((r = numeric ? getpwuid_r((uid_t)id, &pw, buf, size, &found) : getpwnam_r(who, &pw, buf, size, &found)) == ERANGE) {
    size *= 2;
    char *bigger = realloc(buf, size);
    if (bigger == NULL) goto napi_failed;
    buf = bigger;
  }
  if (found == NULL) {
    CHECK(napi_get_null(env, &result));
    goto done;
  }
  int ngroups = 64;
  for (;;) {
    gid_t *more = realloc(groups, (size_t)ngroups * sizeof(gid_t));
    if (more == NULL) goto napi_failed;
    groups = more;
    int n = ngroups;
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) >= 0) {
      ngroups = n;
      break;
    }
    ngroups = n > ngroups ? n : ngroups * 2;
  }
  napi_value name, uid, gid, list;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, pw.pw_name, NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_uint32(env, pw.pw_uid, &uid));
  CHECK(napi_create_uint32(env, pw.pw_gid, &gid));
  CHECK(napi_create_array_with_length(env, (size_t)ngroups, &list));
  for (int i = 0; i < ngroups; i++) {
    napi_value g;
    CHECK(napi_create_uint32(env, groups[i], &g));
    CHECK(napi_set_element(env, list, (uint32_t)i, g));
  }
  CHECK(napi_set_named_property(env, result, "name", name));
  CHECK(napi_set_named_property(env, result, "uid", uid));
  CHECK(napi_set_named_property(env, result, "gid", gid));
  CHECK(napi_set_named_property(env, result, "groups", list));
  goto done;
napi_failed:
  {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, NULL, "lookupUser failed");
  }
  result = NULL;
done:
  free(who);
  free(buf);
  free(groups);
  return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Process-wide settings and orphans                                                           */
/* ------------------------------------------------------------------------------------------ */

/*
 * prepare(): make the fd slots every spawn uses now: call it before
 * the daemon opens its many fds, so that the slots are low in its fd table.
 */
static napi_value prepare(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_mutex_lock(&spawn_lock);
  ensure_slots();
  pthread_mutex_unlock(&spawn_lock);
  return NULL;
}

/* setSubreaper(on) → whether this process was a child subreaper before (PR_SET_CHILD_SUBREAPER). */
static napi_value set_subreaper(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, result;
  bool on = false;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_bool(env, arg, &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "setSubreaper takes a boolean");
    return NULL;
  }
  int was = 0;
  prctl(PR_GET_CHILD_SUBREAPER, &was, 0, 0, 0);
  prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0);
  napi_get_boolean(env, was != 0, &result);
  return result;
}

/*
 * reap(pid) → [code, signal, dumped] once that child is a zombie (and now reaped), or null while it is
 * not (or is not our child). For orphans adopted as PID 1 or subreaper, never for a pid anyone
 * else waits for.
 */
static napi_value reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, result;
  int64_t pid;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || int_arg(env, arg, &pid) < 0 || pid <= 0) {
    napi_throw_type_error(env, NULL, "reap takes a pid");
    return NULL;
  }
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0) {
    napi_get_null(env, &result);
    return result;
  }
  napi_value code, signal, dumped;
  napi_get_null(env, &code);
  napi_get_null(env, &signal);
  if (si.si_code == CLD_EXITED) napi_create_int32(env, si.si_status, &code);
  else napi_create_int32(env, si.si_status, &signal);
  napi_get_boolean(env, si.si_code == CLD_DUMPED, &dumped);
  napi_create_array_with_length(env, 3, &result);
  napi_set_element(env, result, 0, code);
  napi_set_element(env, result, 1, signal);
  napi_set_element(env, result, 2, dumped);
  return result;
}

/* Append to `out` the children listed in one /proc/self/task/TID/children file. */
static void children_of_task(napi_env env, const char *tid, napi_value out, uint32_t *count) {
  char path[64], list[16384];
  snprintf(path, sizeof path, "/proc/self/task/%s/children", tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, list, sizeof list - 1);
  close(fd);
  if (n <= 0) return;
  list[n] = '\0';
  for (char *p = list, *end; *p != '\0'; p = end) {
    long pid = strtol(p, &end, 10);
    if (end == p) break;
    napi_value v;
    napi_create_int64(env, pid, &v);
    napi_set_element(env, out, (*count)++, v);
  }
}

/*
 * zombieCandidates() → this process's children (from /proc), when at least one child is a zombie;
 * [] at the cost of one system call when none is. Which of them are zombies: isZombie.
 */
static napi_value zombie_candidates(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_array(env, &out);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0) return out;
  DIR *tasks = opendir("/proc/self/task");
  if (tasks == NULL) return out;
  uint32_t count = 0;
  for (struct dirent *e; (e = readdir(tasks)) != NULL;) {
    if (e->d_name[0] != '.') children_of_task(env, e->d_name, out, &count);
  }
  closedir(tasks);
  return out;
}

/* isZombie(pid) → whether that child has ended and waits to be reaped (it is not reaped). */
static napi_value is_zombie(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, result;
  int64_t pid;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || int_arg(env, arg, &pid) < 0 || pid <= 0) {
    napi_throw_type_error(env, NULL, "isZombie takes a pid");
    return NULL;
  }
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int zombie = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0;
  napi_get_boolean(env, zombie, &result);
  return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading pipes: watch(fd, onReadable), read(fd, buffer), startMoving / stopMoving         */
/* ------------------------------------------------------------------------------------------ */

/*
 * One watched fd: a uv_poll_t that calls onReadable() while the fd is readable and started. In
 * move mode (startMoving) the readable pipe's bytes are moved into a file here, with no call into
 * JS, until `budget` bytes have moved, the pipe ends or fails; then onReadable() is called, and JS
 * takes the count back with stopMoving. They are moved with read(2) and write(2) through one
 * buffer, not splice(2): splice holds the pipe's lock while it writes the file, so the child's
 * writes wait for the disk; with 4 KiB writes from the child that halved the throughput.
 */
struct watch {
  uv_poll_t poll;
  napi_env env;
  napi_ref on_readable;
  int fd;
  int started;
  int move_to; /* -1: not moving */
  int64_t budget;
  int64_t moved;
};

/* The buffer move mode moves bytes through (the event loop's thread moves one pipe at a time). */
static char move_buffer[1 << 20];

/* Append all `n` bytes of `data` to `fd` (its offset set to its end); false on an error. */
static int append_all(int fd, const char *data, ssize_t n) {
  if (lseek(fd, 0, SEEK_END) < 0) return 0;
  for (ssize_t off = 0; off < n;) {
    ssize_t m = write(fd, data + off, (size_t)(n - off));
    if (m < 0 && errno == EINTR) continue;
    if (m <= 0) return 0;
    off += m;
  }
  return 1;
}

/*
 * Move mode's work for one wake-up: whether JS must be called (budget spent, end, or error). On a
 * failed write the bytes of that read are lost, as they would be by the file's own writer, and JS
 * reads the pipe from then on: the file reports the error at its next write.
 */
static int watch_move(struct watch *w) {
  for (int i = 0; i < 64; i++) {
    ssize_t n;
    do n = read(w->fd, move_buffer, sizeof move_buffer);
    while (n < 0 && errno == EINTR);
    if (n < 0) return errno != EAGAIN;
    if (n == 0 || !append_all(w->move_to, move_buffer, n)) return 1;
    w->moved += n;
    if (w->moved >= w->budget) return 1;
  }
  return 0;
}

static void watch_closed(uv_handle_t *handle) {
  free(handle->data);
}

static void watch_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  struct watch *w = poll->data;
  if (status == 0 && w->move_to >= 0 && !watch_move(w)) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, global, result;
  napi_get_reference_value(env, w->on_readable, &callback);
  napi_get_global(env, &global);
  napi_make_callback(env, env_async(env), global, callback, 0, NULL, &result);
  napi_close_handle_scope(env, scope);
}

static struct watch *watch_arg(napi_env env, napi_value value) {
  struct watch *w = NULL;
  if (napi_get_value_external(env, value, (void **)&w) != napi_ok || w == NULL) {
    napi_throw_type_error(env, NULL, "expected a watch");
    return NULL;
  }
  return w;
}

/* watch(fd, onReadable) → a handle; started (call watchStop/watchStart/watchClose with it). */
static napi_value watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2], result;
  int64_t fd;
  uv_loop_t *loop;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 2 || int_arg(env, args[0], &fd) < 0) {
    napi_throw_type_error(env, NULL, "watch takes an fd and a function");
    return NULL;
  }
  struct watch *w = calloc(1, sizeof *w);
  if (w == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &w->poll, (int)fd) != 0) {
    free(w);
    throw_errno(env, "watch", EBADF);
    return NULL;
  }
  w->poll.data = w;
  w->env = env;
  w->fd = (int)fd;
  w->move_to = -1;
  napi_create_reference(env, args[1], 1, &w->on_readable);
  uv_poll_start(&w->poll, UV_READABLE, watch_readable);
  w->started = 1;
  napi_create_external(env, w, NULL, NULL, &result);
  return result;
}

/* watchStart(handle) / watchStop(handle): (re)start or pause the calls. */
static napi_value watch_set(napi_env env, napi_callback_info info, int start) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  struct watch *w = watch_arg(env, arg);
  if (w == NULL || w->started < 0) return NULL;
  if (start && !w->started) uv_poll_start(&w->poll, UV_READABLE, watch_readable);
  if (!start && w->started) uv_poll_stop(&w->poll);
  w->started = start;
  return NULL;
}

static napi_value watch_start(napi_env env, napi_callback_info info) { return watch_set(env, info, 1); }
static napi_value watch_stop(napi_env env, napi_callback_info info) { return watch_set(env, info, 0); }

/* startMoving(handle, file, budget): move the pipe into `file` (opened without O_APPEND; appended
 * to by seeking to its end) on each wake-up, calling onReadable only after `budget` bytes, at the
 * pipe's end or on an error. */
static napi_value watch_move_start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  int64_t file, budget;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, NULL, "startMoving takes a watch, an fd and a budget");
    return NULL;
  }
  struct watch *w = watch_arg(env, args[0]);
  if (w == NULL || int_arg(env, args[1], &file) < 0 || int_arg(env, args[2], &budget) < 0) return NULL;
  w->move_to = (int)file;
  w->budget = budget;
  w->moved = 0;
  return NULL;
}

/* stopMoving(handle) → the bytes moved since startMoving; move mode ends. */
static napi_value watch_move_end(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, result;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  struct watch *w = watch_arg(env, arg);
  if (w == NULL) return NULL;
  int64_t moved = w->move_to >= 0 ? w->moved : 0;
  w->move_to = -1;
  w->moved = 0;
  napi_create_int64(env, moved, &result);
  return result;
}

/* watchClose(handle): stop for good (the fd itself is the caller's to close). */
static napi_value watch_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  struct watch *w = watch_arg(env, arg);
  if (w == NULL || w->started < 0) return NULL;
  w->started = -1;
  napi_delete_reference(env, w->on_readable);
  uv_close((uv_handle_t *)&w->poll, watch_closed);
  return NULL;
}

/* read(fd, buffer) → bytes read (0 at EOF), or -errno (-EAGAIN: nothing now). */
static napi_value read_fd(napi_env env, napi_callback_info info) {
  size_t argc = 2, length;
  napi_value args[2], result;
  int64_t fd;
  void *data;
  napi_typedarray_type type;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 2 || int_arg(env, args[0], &fd) < 0 ||
      napi_get_typedarray_info(env, args[1], &type, &length, &data, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, NULL, "read takes an fd and a Uint8Array");
    return NULL;
  }
  ssize_t n;
  do n = read((int)fd, data, length); while (n < 0 && errno == EINTR);
  napi_create_int64(env, n < 0 ? -errno : n, &result);
  return result;
}

/* growPipe(fd, bytes) → the pipe's new capacity, or -1 when it cannot grow (EPERM past the user's quota). */
static napi_value grow_pipe(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2], result;
  int64_t fd, bytes;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 2 ||
      int_arg(env, args[0], &fd) < 0 || int_arg(env, args[1], &bytes) < 0) {
    napi_throw_type_error(env, NULL, "growPipe takes an fd and a size");
    return NULL;
  }
  int r = fcntl((int)fd, F_SETPIPE_SZ, (int)bytes);
  napi_create_int32(env, r < 0 ? -1 : r, &result);
  return result;
}

/*
 * trimMalloc(): give the pages malloc holds free back to the kernel, in every arena (malloc_trim).
 * Each thread's arena keeps what was freed in it: compilation zones of V8's workers, buffers of
 * a start burst. Returns whether any memory was released.
 */
static napi_value trim_malloc(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, malloc_trim(0) == 1, &result);
  return result;
}

/* Grow the fd table to hold `want` fds, capped at the fd limit: the size made sure of, or 0. */
static int grow_fds(uint32_t want) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && want > limit.rlim_cur) want = (uint32_t)limit.rlim_cur;
  int grown = 0;
  int source = want > 1 ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;
  if (source >= 0) {
    int high = fcntl(source, F_DUPFD_CLOEXEC, (int)(want - 1));
    if (high >= 0) {
      grown = high + 1;
      close(high);
    }
    close(source);
  }
  return grown;
}

static void *grow_fds_thread(void *arg) {
  grow_fds((uint32_t)(uintptr_t)arg);
  return NULL;
}

/*
 * growFdTable(n) → the fd table's new minimum size: make room for n fds now. The kernel grows a
 * process's fd table by doubling as fds are taken, and in a process with threads each growth waits
 * for an RCU grace period (synchronize_rcu: 4–9 ms here) while every thread opening an fd waits
 * too; a start of 500 programs grew it at 256, 512, 1024 and 2048. Taking fd n-1 once (F_DUPFD of
 * a /dev/null fd, both closed again) grows it once; it never shrinks. Capped at RLIMIT_NOFILE.
 * growFdTable(n, true) grows it on a thread of its own and returns 0 at once: the grace period
 * (11–20 ms for 3 128 fds on this VM) is no longer the calling thread's.
 */
static napi_value grow_fd_table(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2], result;
  uint32_t want = 0;
  bool background = false;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_uint32(env, args[0], &want) != napi_ok ||
      (argc > 1 && napi_get_value_bool(env, args[1], &background) != napi_ok)) {
    napi_throw_type_error(env, NULL, "growFdTable takes a number of fds and whether to grow it in the background");
    return NULL;
  }
  int grown = -1;
  if (background) {
    /* The growth waits for an RCU grace period in the thread that makes it (the table is shared by
     * threads); only a thread that needs an fd beyond the old size waits for it too. Signals stay
     * with the daemon's threads. */
    pthread_attr_t attr;
    pthread_t thread;
    sigset_t all, previous;
    sigfillset(&all);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    if (pthread_create(&thread, &attr, grow_fds_thread, (void *)(uintptr_t)want) == 0) grown = 0;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    pthread_attr_destroy(&attr);
  }
  if (grown < 0) grown = grow_fds(want); /* in front, or no thread could be made */
  napi_create_int32(env, grown, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  struct env_data *data = calloc(1, sizeof *data);
  napi_value name;
  if (data == NULL || napi_create_string_utf8(env, "effsup:spawner", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &data->async) != napi_ok ||
      napi_set_instance_data(env, data, env_data_free, NULL) != napi_ok) {
    free(data);
    napi_throw_error(env, NULL, "effsup spawner: cannot set up its async context");
    return NULL;
  }
  napi_property_descriptor props[] = {
    { "prepare", NULL, prepare, NULL, NULL, NULL, napi_enumerable, NULL },
    { "spawn", NULL, spawn, NULL, NULL, NULL, napi_enumerable, NULL },
    { "listen", NULL, listen_socket, NULL, NULL, NULL, napi_enumerable, NULL },
    { "lookupUser", NULL, lookup_user, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setSubreaper", NULL, set_subreaper, NULL, NULL, NULL, napi_enumerable, NULL },
    { "zombieCandidates", NULL, zombie_candidates, NULL, NULL, NULL, napi_enumerable, NULL },
    { "isZombie", NULL, is_zombie, NULL, NULL, NULL, napi_enumerable, NULL },
    { "reap", NULL, reap, NULL, NULL, NULL, napi_enumerable, NULL },
    { "watch", NULL, watch, NULL, NULL, NULL, napi_enumerable, NULL },
    { "watchStart", NULL, watch_start, NULL, NULL, NULL, napi_enumerable, NULL },
    { "watchStop", NULL, watch_stop, NULL, NULL, NULL, napi_enumerable, NULL },
    { "watchClose", NULL, watch_close, NULL, NULL, NULL, napi_enumerable, NULL },
    { "startMoving", NULL, watch_move_start, NULL, NULL, NULL, napi_enumerable, NULL },
    { "stopMoving", NULL, watch_move_end, NULL, NULL, NULL, napi_enumerable, NULL },
    { "read", NULL, read_fd, NULL, NULL, NULL, napi_enumerable, NULL },
    { "growPipe", NULL, grow_pipe, NULL, NULL, NULL, napi_enumerable, NULL },
    { "trimMalloc", NULL, trim_malloc, NULL, NULL, NULL, napi_enumerable, NULL },
    { "growFdTable", NULL, grow_fd_table, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  dgram_define(env, exports); /* unix datagram sockets: native/dgram.c */
  return exports;
}

#else /* not Linux: nothing to export; effsup uses node:child_process */

static napi_value init(napi_env env, napi_value exports) {
  (void)env;
  return exports;
}

#endif

NAPI_MODULE_INIT() {
  return init(env, exports);
}
