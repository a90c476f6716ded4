/*
 * Internal to libbooth_bio_sdk.so: the simulated devices' state and the helpers the core
 * (sim_bio_sdk.c), the scanner (sim_bio_scanner.c), the camera (sim_bio_camera.c) and the test
 * controls (sim_bio_controls.c) share. Everything here has hidden visibility; the library exports
 * only booth_bio_sdk.h and sim_bio_controls.h. The locking rules are in sim_bio_sdk.c.
 */
#ifndef SIM_BIO_INTERNAL_H
#define SIM_BIO_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "booth_bio_sdk.h"
#include "sim_bio_controls.h"
#include "sim_bio_imaging.h"

#define EXPORT __attribute__((visibility("default")))

enum { DEV_SCANNER, DEV_CAMERA, DEV_COUNT };
enum { STAT_CALLS, STAT_CANCELS, STAT_RESETS, STAT_OPENS, STAT_CLOSES, STAT_COUNT };
#define PREVIEW_FACTOR 4
#define CAMERA_PREVIEW_W 240
#define CAMERA_PREVIEW_H 320
#define MAX_EVENTS 64

typedef struct timing {
  int open_ms, op_ms, place_ms, preview_frames, reset_ms;
} timing;

typedef struct sim_device {
  int index, kind;
  const char *serial, *model, *firmware;
  uint32_t caps;
  int max_width, max_height, ppi;
  pthread_cond_t cond;

  /* the hardware and its test controls */
  int plugged;
  timing t;
  int static_frames;
  int hang_mode, fail_status, corrupt_kind;
  int32_t stats[STAT_COUNT];

  /* the person at the scanner */
  int quality[11], palm_quality, places, wrong_hand, spoof, missing[11], duplicate;
  /* the subject in front of the camera, and the camera's exposure setting */
  int present, eyes_open, frontal;
  double lighting_stops;
  int exposure_mode;
  double exposure_ev;

  /* the host's handle */
  int32_t handle; /* 0: not open */
  int dead;       /* the device was removed while open: the handle only accepts bio_close */
  int opening, busy, resetting, cancel_requested;
  uint32_t abort_generation, handle_generation;
  bio_frame_cb frame_cb;
  void *frame_user;
  char last_error[256];

  /* results kept for bio_get_quality */
  int last_quality[BIO_MAX_SEGMENTS], last_count, last_whole_quality;

  /* scratch images (owned by the one call in flight) and the static-frame cache key */
  uint8_t *image, *preview;
  size_t image_capacity;
  uint64_t image_key;
  img_bytes jpeg;
  uint32_t captures;

  /* camera preview thread */
  pthread_t preview_thread;
  int preview_running, preview_stop, preview_interval_ms;
} sim_device;

typedef struct call {
  sim_device *device;
  uint32_t abort_generation;
  int honor_cancel;
} call;

/* The one lock over all state (never held while sleeping, rendering, copying or calling back). */
SIM_HIDDEN extern pthread_mutex_t g_lock;
SIM_HIDDEN extern sim_device g_devices[DEV_COUNT];
SIM_HIDDEN extern int g_version, g_initialized;
SIM_HIDDEN extern int32_t g_inits, g_shutdowns;

/* Time and waiting (g_lock held). */
SIM_HIDDEN int64_t now_ms(void);
SIM_HIDDEN void cond_init(pthread_cond_t *cond);
/* Waits on `cond` until deadline_ms (monotonic; < 0 = no deadline). 0 on timeout. */
SIM_HIDDEN int timed_wait(pthread_cond_t *cond, int64_t deadline_ms);
/* Why a call must stop now (unplugged, reset/closed, cancelled), or BIO_OK. */
SIM_HIDDEN int interruption(const call *c);
/* Sleeps `ms` on the device's clock, waking early for cancel/reset/unplug. */
SIM_HIDDEN int device_sleep(const call *c, int ms);

/* Errors: records the message for the device (NULL: library-level) and returns status. */
SIM_HIDDEN int fail(sim_device *d, int status, const char *format, ...) __attribute__((format(printf, 3, 4)));
SIM_HIDDEN const char *status_name(int status);

/* Devices. */
SIM_HIDDEN void ensure_setup(void);
SIM_HIDDEN void device_defaults(sim_device *d);
SIM_HIDDEN sim_device *by_serial(const char *serial);
SIM_HIDDEN sim_device *by_handle(int32_t handle);
SIM_HIDDEN void wake(sim_device *d);
SIM_HIDDEN void post_event(const char *serial, int32_t event);
/* Closes d's handle: aborts its call, stops its preview, waits for both (g_lock held). */
SIM_HIDDEN void close_locked(sim_device *d);
/* Stops and joins the camera preview thread (g_lock held; released while joining). */
SIM_HIDDEN void stop_preview_locked(sim_device *d);
SIM_HIDDEN int ensure_image(sim_device *d, size_t bytes);
SIM_HIDDEN uint64_t fnv(uint64_t hash, const void *data, size_t length);

/* Blocking calls (g_lock held): take the device's call slot (playing a pending hang), release it,
 * and one round trip (latency, then a pending simulated failure). */
SIM_HIDDEN int begin_call(int32_t handle, call *out);
SIM_HIDDEN int end_call(call *c, int status);
SIM_HIDDEN int round_trip(call *c);

/* Scanner requests, shared by capture and bio_get_image_size. */
SIM_HIDDEN int check_finger_request(sim_device *d, int mode, int target);
SIM_HIDDEN void fail_wait(sim_device *d, int status, int timeout_ms);

#endif
