/*
 * fuzz_driver.c -- a bounded, seeded mutation driver for the fuzz targets when clang's libFuzzer is
 * not available (gcc builds). It runs every seed file, then mutates them (bit flips, byte
 * insertions and deletions, truncation, splicing, digit and keyword substitutions) until
 * -max_total_time=S seconds or -runs=N inputs. Not coverage-guided: libFuzzer is the real fuzzer;
 * this keeps the target exercised under the sanitizers everywhere.
 *   fuzz_X [-max_total_time=S] [-runs=N] [-seed=K] SEED_DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seed {
  unsigned char *d;
  size_t n;
} seed;

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static const char *TOKENS[] = {"LUT_3D_SIZE ", "DOMAIN_MIN ", "DOMAIN_MAX ", "TITLE \"", "#", "\r\n", "\n", " ",
                               "nan", "-inf", "1e999", "0.5", "256", "2", "-0", "\"format\"", "\"params\"", "{",
                               "}", "[", "]", ":", ",", "\"ncst-look/1\"", "\\u00e9", "NaN", "Infinity", "1e-9"};

static void insert(unsigned char *buf, size_t *n, size_t cap, const unsigned char *what, size_t len) {
  if (*n + len > cap) return;
  size_t at = (size_t)(rnd() % (*n + 1));
  memmove(buf + at + len, buf + at, *n - at);
  memcpy(buf + at, what, len);
  *n += len;
}

static size_t mutate(unsigned char *buf, size_t n, size_t cap, const seed *seeds, int nseeds) {
  int steps = 1 + (int)(rnd() % 4);
  for (int s = 0; s < steps; s++) {
    switch (rnd() % 7) {
      case 0: /* flip a bit */
        if (n) buf[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
        break;
      case 1: /* random byte */
        if (n) buf[rnd() % n] = (unsigned char)rnd();
        break;
      case 2: { /* insert a byte */
        unsigned char b = (unsigned char)rnd();
        insert(buf, &n, cap, &b, 1);
        break;
      }
      case 3: /* delete a run */
        if (n) {
          size_t at = (size_t)(rnd() % n), len = 1 + (size_t)(rnd() % 16);
          if (len > n - at) len = n - at;
          memmove(buf + at, buf + at + len, n - at - len);
          n -= len;
        }
        break;
      case 4: /* truncate */
        if (n) n = (size_t)(rnd() % n);
        break;
      case 5: { /* a format token */
        const char *t = TOKENS[rnd() % (sizeof TOKENS / sizeof TOKENS[0])];
        insert(buf, &n, cap, (const unsigned char *)t, strlen(t));
        break;
      }
      default: { /* splice a piece of another seed */
        const seed *o = &seeds[rnd() % (unsigned)nseeds];
        if (o->n) {
          size_t from = (size_t)(rnd() % o->n), len = 1 + (size_t)(rnd() % 64);
          if (len > o->n - from) len = o->n - from;
          insert(buf, &n, cap, o->d + from, len);
        }
        break;
      }
    }
  }
  return n;
}

int main(int argc, char **argv) {
  double max_time = 20;
  long runs = -1;
  seed *seeds = NULL;
  int nseeds = 0;
  for (int i = 1; i < argc; i++) {
    if (!strncmp(argv[i], "-max_total_time=", 16)) max_time = atof(argv[i] + 16);
    else if (!strncmp(argv[i], "-runs=", 6)) runs = atol(argv[i] + 6);
    else if (!strncmp(argv[i], "-seed=", 6)) rng_state ^= (uint64_t)atoll(argv[i] + 6) * 0x9E3779B97F4A7C15ull;
    else if (argv[i][0] == '-') continue;
    else {
      DIR *d = opendir(argv[i]);
      struct dirent *e;
      while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        seeds = (seed *)realloc(seeds, (size_t)(nseeds + 1) * sizeof(seed));
        seed *s = &seeds[nseeds++];
        s->d = (unsigned char *)malloc(1 << 20);
        s->n = fread(s->d, 1, 1 << 20, f);
        fclose(f);
      }
      if (d) closedir(d);
    }
  }
  if (nseeds == 0) {
    fprintf(stderr, "fuzz_driver: no seed files\n");
    return 2;
  }
  for (int i = 0; i < nseeds; i++) LLVMFuzzerTestOneInput(seeds[i].d, seeds[i].n);
  const size_t cap = 1 << 16;
  unsigned char *buf = (unsigned char *)malloc(cap);
  time_t start = time(NULL);
  long done = 0;
  while ((runs < 0 || done < runs) && difftime(time(NULL), start) < max_time) {
    const seed *s = &seeds[rnd() % (unsigned)nseeds];
    size_t n = s->n < cap ? s->n : cap;
    memcpy(buf, s->d, n);
    n = mutate(buf, n, cap, seeds, nseeds);
    unsigned char *exact = (unsigned char *)malloc(n ? n : 1); /* exact-size copy: overreads hit a redzone */
    memcpy(exact, buf, n);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    done++;
  }
  printf("fuzz_driver: %d seeds, %ld mutated inputs in %.0f s, no crash\n", nseeds, done, difftime(time(NULL), start));
  for (int i = 0; i < nseeds; i++) free(seeds[i].d);
  free(seeds);
  free(buf);
  return 0;
}
