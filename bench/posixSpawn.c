/*
 * The spawn floor of the benchmark: what posix_spawn(3) costs from C, with nothing else to do.
 * Compiled by the bench at run time (bench/spawnCost.ts), never committed as a binary.
 *
 *   posixSpawn cycle N      N times: posix_spawn /bin/true, waitpid; prints each cycle in µs
 *   posixSpawn start N ARG  posix_spawn N × `sleep ARG` (stdio to /dev/null) and exit
 *   posixSpawn stop N       posix_spawn N × `sleep 1000`, then SIGTERM each and waitpid each;
 *                           prints the milliseconds from the first kill to the last reaped exit
 */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s cycle N | start N SECONDS\n", argv[0]);
    return 2;
  }
  int n = atoi(argv[2]);
  if (strcmp(argv[1], "cycle") == 0) {
    char *child[] = { "/bin/true", NULL };
    for (int i = 0; i < n; i++) {
      double t0 = now_us();
      pid_t pid;
      if (posix_spawn(&pid, child[0], NULL, NULL, child, environ) != 0) return 1;
      int status;
      waitpid(pid, &status, 0);
      printf("%.1f\n", now_us() - t0);
    }
    return 0;
  }
  int stop = strcmp(argv[1], "stop") == 0;
  if ((strcmp(argv[1], "start") == 0 && argc >= 4) || stop) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int fd = 0; fd < 3; fd++) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
    char *child[] = { "sleep", stop ? "1000" : argv[3], NULL };
    pid_t *pids = calloc((size_t)n, sizeof(pid_t));
    if (pids == NULL) return 1;
    for (int i = 0; i < n; i++) {
      if (posix_spawnp(&pids[i], "sleep", &actions, NULL, child, environ) != 0) return 1;
    }
    if (!stop) return 0;
    /* every child has exec'd (posix_spawn returns after the exec); let them finish loading */
    usleep(500000);
    double t0 = now_us();
    for (int i = 0; i < n; i++) kill(pids[i], SIGTERM);
    for (int i = 0; i < n; i++) {
      int status;
      waitpid(pids[i], &status, 0);
    }
    printf("%.3f\n", (now_us() - t0) / 1000);
    return 0;
  }
  return 2;
}
