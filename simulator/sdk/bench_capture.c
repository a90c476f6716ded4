/*
 * The C baseline of the "sdk" benchmark (bench/sdk-capture.ts): N right-hand slap captures from
 * libbooth_bio_sdk.so called directly, as a vendor's own C sample program would, with every
 * simulated latency at zero and static frames (the SDK copies its cached image), so what is
 * measured is the SDK call itself: argument checks, the 2.4 MB image copy and the result struct.
 *
 * Usage: bio-sdk-bench [captures] [fresh]   Prints one JSON line with per-capture microseconds.
 * With "fresh", every capture gets a newly malloc'ed image buffer that is freed after it, as a
 * host that hands each capture on would do; without it one buffer is reused (the floor).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "booth_bio_sdk.h"
#include "sim_bio_controls.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int check(int status, const char *what, int handle) {
  if (status == BIO_OK) return 0;
  char message[256];
  bio_last_error(handle, message, sizeof message);
  fprintf(stderr, "bio-sdk-bench: %s: status %d: %s\n", what, status, message);
  return 1;
}

int main(int argc, char **argv) {
  int captures = argc > 1 ? atoi(argv[1]) : 500;
  int fresh = argc > 2 && strcmp(argv[2], "fresh") == 0;
  if (captures < 1) captures = 1;
  sim_bio_set_timing(NULL, 0, 0, 0, 0, 0);
  sim_bio_set_static_frames(NULL, 1);
  if (check(bio_init(BIO_SDK_VERSION), "bio_init", 0)) return 1;
  int32_t handle = 0;
  if (check(bio_open(SIM_BIO_SCANNER_SERIAL, &handle), "bio_open", 0)) return 1;

  uint32_t capacity = 1600 * 1500;
  uint8_t *image = malloc(capacity);
  double *samples = malloc(sizeof(double) * (size_t)captures);
  if (!image || !samples) return 1;
  bio_finger_result result;
  for (int i = 0; i < 20; i++) { /* warm-up: first render, page faults */
    if (check(bio_capture_fingers(handle, BIO_CAPTURE_SLAP, BIO_SLAP_RIGHT_FOUR, 5000, image, capacity, &result), "capture", handle))
      return 1;
  }
  double total = 0;
  for (int i = 0; i < captures; i++) {
    double start = now_us();
    uint8_t *target = fresh ? malloc(capacity) : image;
    if (!target) return 1;
    int status = bio_capture_fingers(handle, BIO_CAPTURE_SLAP, BIO_SLAP_RIGHT_FOUR, 5000, target, capacity, &result);
    if (fresh) free(target);
    samples[i] = now_us() - start;
    total += samples[i];
    if (check(status, "capture", handle)) return 1;
    if (result.segment_count != 4 || result.width * result.height != (int)result.image_bytes) {
      fprintf(stderr, "bio-sdk-bench: unexpected result\n");
      return 1;
    }
  }
  qsort(samples, (size_t)captures, sizeof(double), compare);
  printf("{\"fresh\":%s,\"captures\":%d,\"meanUs\":%.2f,\"p50Us\":%.2f,\"p99Us\":%.2f,\"minUs\":%.2f}\n", fresh ? "true" : "false", captures, total / captures,
         samples[captures / 2], samples[(int)(captures * 0.99)], samples[0]);
  bio_close(handle);
  bio_shutdown();
  free(image);
  free(samples);
  return 0;
}
