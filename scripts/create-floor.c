/*
 * The floor under creating 1,000 tasks in NemoSpawn 1.0's format (one JSON file per task in one
 * directory): only the system calls, from C, with nothing else around them. Each round makes a
 * fresh directory under DIR and creates 1,000 files in it with open(O_CREAT | O_EXCL), one
 * 400-byte write and close; it prints each round's time and the best. scripts/bench.sh tasks
 * builds and runs it (when gcc is there) beside NemoSpawn 1.0's create and ours.
 *
 * usage: create-floor DIR ROUNDS
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: create-floor DIR ROUNDS\n");
    return 2;
  }
  int rounds = atoi(argv[2]);
  char body[400];
  memset(body, ' ', sizeof body);
  body[sizeof body - 1] = '\n';
  double best = -1;
  for (int r = 0; r < rounds; r++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/round-%d", argv[1], r);
    if (mkdir(dir, 0700) != 0) {
      perror(dir);
      return 1;
    }
    double start = seconds();
    for (unsigned i = 0; i < 1000; i++) {
      char path[4200];
      snprintf(path, sizeof path, "%s/task-%08x.json", dir, i * 2654435761u);
      int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
      if (fd < 0) {
        perror(path);
        return 1;
      }
      if (write(fd, body, sizeof body) != (ssize_t) sizeof body) {
        perror(path);
        return 1;
      }
      close(fd);
    }
    double ms = (seconds() - start) * 1e3;
    printf("round %d: %.1f ms\n", r, ms);
    if (best < 0 || ms < best) {
      best = ms;
    }
  }
  printf("best: %.1f ms\n", best);
  return 0;
}
