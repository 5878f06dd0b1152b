/* The bare reference for the hashing engine benchmark: what a minimal C program gets.
 * N threads; each takes the next path from a shared list, read()s the whole file into a buffer
 * (grown as needed, reused), and computes SHA-256 with OpenSSL EVP. No fadvise, no batching.
 *
 * usage: ref_sha256_loop THREADS LIST_FILE [-p]
 *   LIST_FILE: one path per line (as `find DIR -type f` prints). -p prints "digest  path".
 * Prints: "RESULT tool=ref_c files=F bytes=B seconds=S cpu=C" (wall and CPU seconds of the
 * hashing only, not of reading the list). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

static char** g_paths;
static size_t g_count;
static atomic_size_t g_next;
static atomic_ullong g_bytes;
static atomic_ullong g_files;
static int g_print;
static char (*g_digests)[65];
static const EVP_MD* g_md;

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void* worker(void* arg) {
  (void)arg;
  size_t cap = 1 << 20;
  unsigned char* buf = malloc(cap);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (buf == NULL || ctx == NULL) abort();
  for (;;) {
    size_t i = atomic_fetch_add(&g_next, 1);
    if (i >= g_count) break;
    int fd = open(g_paths[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      perror(g_paths[i]);
      continue;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size + 1 > cap) {
      cap = (size_t)st.st_size + 1;
      free(buf);
      buf = malloc(cap);
      if (buf == NULL) abort();
    }
    size_t len = 0;
    for (;;) {
      if (len == cap) { /* the file grew: make room */
        cap *= 2;
        buf = realloc(buf, cap);
        if (buf == NULL) abort();
      }
      ssize_t n = read(fd, buf + len, cap - len);
      if (n < 0) {
        perror(g_paths[i]);
        break;
      }
      if (n == 0) break;
      len += (size_t)n;
    }
    close(fd);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_DigestInit_ex(ctx, g_md, NULL);
    EVP_DigestUpdate(ctx, buf, len);
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    if (g_print) {
      for (unsigned int k = 0; k < mdlen; ++k) sprintf(g_digests[i] + 2 * k, "%02x", md[k]);
    }
    atomic_fetch_add(&g_bytes, len);
    atomic_fetch_add(&g_files, 1);
  }
  EVP_MD_CTX_free(ctx);
  free(buf);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s THREADS LIST_FILE [-p]\n", argv[0]);
    return 2;
  }
  int threads = atoi(argv[1]);
  if (threads < 1) threads = 1;
  g_print = argc > 3 && strcmp(argv[3], "-p") == 0;
  FILE* f = fopen(argv[2], "r");
  if (f == NULL) {
    perror(argv[2]);
    return 1;
  }
  size_t cap = 1024;
  g_paths = malloc(cap * sizeof(char*));
  char* line = NULL;
  size_t line_cap = 0;
  ssize_t n;
  while ((n = getline(&line, &line_cap, f)) > 0) {
    if (line[n - 1] == '\n') line[--n] = '\0';
    if (n == 0) continue;
    if (g_count == cap) {
      cap *= 2;
      g_paths = realloc(g_paths, cap * sizeof(char*));
    }
    g_paths[g_count++] = strdup(line);
  }
  free(line);
  fclose(f);
  if (g_print) g_digests = calloc(g_count, sizeof(*g_digests));
  g_md = EVP_sha256();

  struct timespec t0, t1;
  double cpu0 = cpu_seconds();
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pthread_t* tids = malloc((size_t)threads * sizeof(pthread_t));
  for (int t = 0; t < threads; ++t) pthread_create(&tids[t], NULL, worker, NULL);
  for (int t = 0; t < threads; ++t) pthread_join(tids[t], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  double cpu = cpu_seconds() - cpu0;

  if (g_print) {
    for (size_t i = 0; i < g_count; ++i) printf("%s  %s\n", g_digests[i], g_paths[i]);
  }
  fprintf(g_print ? stderr : stdout, "RESULT tool=ref_c files=%llu bytes=%llu seconds=%.6f cpu=%.3f\n",
          (unsigned long long)g_files, (unsigned long long)g_bytes, secs, cpu);
  return 0;
}
