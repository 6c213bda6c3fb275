/*
 * The floor under creating 1,000 tasks in NemoSpawn 1.0's format (one JSON file per task in one
 * directory): only the system calls, from C, with nothing else around them. Each round makes a
 * fresh directory under DIR and creates 1,000 files in it with open(O_CREAT | O_EXCL), one
 * 400-byte write and close, from THREADS threads at once (default 1; thread k creates files k,
 * k + THREADS, ...); it prints each round's time, the best and the mean. scripts/bench.sh tasks
 * builds and runs it (when gcc is there) beside NemoSpawn 1.0's create and ours.
 *
 * usage: create-floor DIR ROUNDS [THREADS]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILES 1000
#define MAX_THREADS 64

static char body[400];
static char dir[4096];
static int threads = 1;

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void *create_files(void *arg) {
  long k = (long) arg;
  for (unsigned i = (unsigned) k; i < FILES; i += (unsigned) threads) {
    char path[4200];
    snprintf(path, sizeof path, "%s/task-%08x.json", dir, i * 2654435761u);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd < 0) {
      perror(path);
      exit(1);
    }
    if (write(fd, body, sizeof body) != (ssize_t) sizeof body) {
      perror(path);
      exit(1);
    }
    close(fd);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: create-floor DIR ROUNDS [THREADS]\n");
    return 2;
  }
  int rounds = atoi(argv[2]);
  if (argc == 4) {
    threads = atoi(argv[3]);
  }
  if (rounds < 1 || threads < 1 || threads > MAX_THREADS) {
    fprintf(stderr, "ROUNDS must be >= 1 and THREADS 1 to %d\n", MAX_THREADS);
    return 2;
  }
  memset(body, ' ', sizeof body);
  body[sizeof body - 1] = '\n';
  double best = -1;
  double sum = 0;
  for (int r = 0; r < rounds; r++) {
    snprintf(dir, sizeof dir, "%s/round-%d-%d", argv[1], threads, r);
    if (mkdir(dir, 0700) != 0) {
      perror(dir);
      return 1;
    }
    pthread_t tid[MAX_THREADS];
    double start = seconds();
    for (long k = 1; k < threads; k++) {
      if (pthread_create(&tid[k], NULL, create_files, (void *) k) != 0) {
        fprintf(stderr, "cannot start thread %ld\n", k);
        return 1;
      }
    }
    create_files((void *) 0);
    for (long k = 1; k < threads; k++) {
      pthread_join(tid[k], NULL);
    }
    double ms = (seconds() - start) * 1e3;
    sum += ms;
    printf("round %d: %.1f ms\n", r, ms);
    if (best < 0 || ms < best) {
      best = ms;
    }
  }
  printf("best: %.1f ms\n", best);
  printf("mean: %.1f ms\n", sum / rounds);
  return 0;
}
