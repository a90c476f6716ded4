/*
 * The simulated BioSDK: booth_bio_sdk.h implemented against a simulated 4-4-2/palm scanner and a
 * portrait camera, with the hardware-side controls of sim_bio_controls.h.
 *
 * Concurrency model (what a real vendor SDK does, and what the host must cope with):
 * - One global mutex guards all state. It is never held while sleeping (condition waits release
 *   it), rendering, copying images or running a host callback.
 * - Every wait of a blocking call is a condition wait on the device's condvar with a monotonic
 *   deadline, so bio_cancel, bio_reset, bio_close and an unplug wake it at once. A wait checks,
 *   in order: device present (else BIO_E_NO_DEVICE), no reset/close since the call began (else
 *   BIO_E_RESET), no cancel (else BIO_E_CANCELLED — except a SIM_BIO_HANG_WEDGED call).
 * - Threads: the event thread (hot-plug callbacks) lives from bio_init to bio_shutdown; a camera
 *   preview thread lives from bio_cam_start_preview to bio_cam_stop_preview/bio_close. Scanner
 *   preview frames run on the capturing thread. No thread is joined from a library destructor, so
 *   process exit never waits on a callback blocked in its host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_bio_internal.h"

_Static_assert(sizeof(bio_device_info) == 128, "bio_device_info layout");
_Static_assert(offsetof(bio_device_info, serial) == 24 && offsetof(bio_device_info, model) == 56 &&
                   offsetof(bio_device_info, firmware) == 104,
               "bio_device_info offsets");
_Static_assert(sizeof(bio_segment) == 24, "bio_segment layout");
_Static_assert(sizeof(bio_finger_result) == 280 && offsetof(bio_finger_result, segments) == 40, "bio_finger_result layout");
_Static_assert(sizeof(bio_palm_result) == 32, "bio_palm_result layout");
_Static_assert(sizeof(bio_portrait_result) == 40, "bio_portrait_result layout");

pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
sim_device g_devices[DEV_COUNT];
int g_version = BIO_SDK_VERSION;
int g_initialized;
int32_t g_inits, g_shutdowns;

static pthread_once_t g_setup_once = PTHREAD_ONCE_INIT;
static char g_last_error[256];
static pthread_cond_t g_event_cond;
static pthread_t g_event_thread;
static int g_event_stop;
static struct {
  char serial[32];
  int32_t event;
} g_events[MAX_EVENTS];
static int g_event_head, g_event_count;
static bio_event_cb g_event_cb;
static void *g_event_user;

/* ---------------------------------------------------------------- time and waiting */

int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cond_init(pthread_cond_t *cond) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(cond, &attr);
  pthread_condattr_destroy(&attr);
}

/* Waits on `cond` until deadline_ms (monotonic; < 0 = no deadline). g_lock held. 0 on timeout. */
int timed_wait(pthread_cond_t *cond, int64_t deadline_ms) {
  if (deadline_ms < 0) {
    pthread_cond_wait(cond, &g_lock);
    return 1;
  }
  struct timespec ts = {(time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000L};
  return pthread_cond_timedwait(cond, &g_lock, &ts) != ETIMEDOUT;
}

/* Why a call must stop now, or BIO_OK. */
int interruption(const call *c) {
  sim_device *d = c->device;
  if (!d->plugged || d->dead) return BIO_E_NO_DEVICE;
  if (d->abort_generation != c->abort_generation) return BIO_E_RESET;
  if (c->honor_cancel && d->cancel_requested) return BIO_E_CANCELLED;
  return BIO_OK;
}

/* Sleeps `ms` on the device's clock, waking early for cancel/reset/unplug. g_lock held. */
int device_sleep(const call *c, int ms) {
  int64_t deadline = now_ms() + (ms > 0 ? ms : 0);
  for (;;) {
    int status = interruption(c);
    if (status != BIO_OK) return status;
    if (ms <= 0 || now_ms() >= deadline) return BIO_OK;
    timed_wait(&c->device->cond, deadline);
  }
}

/* ---------------------------------------------------------------- errors */

int fail(sim_device *d, int status, const char *format, ...) {
  char *target = d ? d->last_error : g_last_error;
  va_list args;
  va_start(args, format);
  vsnprintf(target, 256, format, args);
  va_end(args);
  return status;
}

const char *status_name(int status) {
  switch (status) {
  case BIO_E_NOT_INITIALIZED: return "not initialised";
  case BIO_E_VERSION_MISMATCH: return "version mismatch";
  case BIO_E_NO_DEVICE: return "device not present";
  case BIO_E_BUSY: return "busy";
  case BIO_E_TIMEOUT: return "timeout";
  case BIO_E_CANCELLED: return "cancelled";
  case BIO_E_BUFFER_TOO_SMALL: return "buffer too small";
  case BIO_E_INVALID_ARGUMENT: return "invalid argument";
  case BIO_E_NOT_SUPPORTED: return "not supported";
  case BIO_E_HARDWARE: return "hardware failure";
  case BIO_E_RESET: return "aborted by reset";
  case BIO_E_BAD_HANDLE: return "bad handle";
  default: return "internal error";
  }
}

/* ---------------------------------------------------------------- setup and defaults */

static int env_int(const char *name, int fallback) {
  const char *value = getenv(name);
  if (!value || !*value) return fallback;
  char *end;
  long parsed = strtol(value, &end, 10);
  return *end || parsed < 0 || parsed > 600000 ? fallback : (int)parsed;
}

void device_defaults(sim_device *d) {
  d->plugged = 1;
  d->t.open_ms = env_int("SIM_BIO_OPEN_MS", 120);
  d->t.op_ms = env_int("SIM_BIO_OP_MS", 15);
  d->t.place_ms = env_int("SIM_BIO_PLACE_MS", 700);
  d->t.preview_frames = env_int("SIM_BIO_PREVIEW_FRAMES", 4);
  d->t.reset_ms = env_int("SIM_BIO_RESET_MS", 80);
  d->static_frames = env_int("SIM_BIO_STATIC_FRAMES", 0) != 0;
  d->hang_mode = d->fail_status = d->corrupt_kind = 0;
  memset(d->stats, 0, sizeof d->stats);
  for (int i = 0; i <= 10; i++) d->quality[i] = 70, d->missing[i] = 0;
  d->palm_quality = 65;
  d->places = 1;
  d->wrong_hand = d->spoof = d->duplicate = 0;
  d->present = d->eyes_open = d->frontal = 1;
  d->lighting_stops = 0;
  d->image_key = 0;
}

static void setup(void) {
  static const struct {
    int kind;
    const char *serial, *model, *firmware;
    uint32_t caps;
    int max_width, max_height, ppi;
  } specs[DEV_COUNT] = {
      {BIO_KIND_SCANNER, SIM_BIO_SCANNER_SERIAL, "BioScan 442P (500 ppi, palm)", "4.2.17",
       BIO_CAP_SLAP | BIO_CAP_FLAT | BIO_CAP_ROLLED | BIO_CAP_PALM | BIO_CAP_PREVIEW | BIO_CAP_LIVENESS | BIO_CAP_SEGMENTATION,
       PALM_W, PALM_H, 500},
      {BIO_KIND_CAMERA, SIM_BIO_CAMERA_SERIAL, "BioCam ICAO-12", "1.9.3",
       BIO_CAP_PREVIEW | BIO_CAP_FACE_CHECKS | BIO_CAP_EXPOSURE, PORTRAIT_W, PORTRAIT_H, 0},
  };
  for (int i = 0; i < DEV_COUNT; i++) {
    sim_device *d = &g_devices[i];
    memset(d, 0, sizeof *d);
    d->index = i;
    d->kind = specs[i].kind;
    d->serial = specs[i].serial;
    d->model = specs[i].model;
    d->firmware = specs[i].firmware;
    d->caps = specs[i].caps;
    d->max_width = specs[i].max_width;
    d->max_height = specs[i].max_height;
    d->ppi = specs[i].ppi;
    cond_init(&d->cond);
    device_defaults(d);
  }
  cond_init(&g_event_cond);
}

void ensure_setup(void) { pthread_once(&g_setup_once, setup); }

sim_device *by_serial(const char *serial) {
  if (!serial) return NULL;
  for (int i = 0; i < DEV_COUNT; i++)
    if (strcmp(g_devices[i].serial, serial) == 0) return &g_devices[i];
  return NULL;
}

sim_device *by_handle(int32_t handle) {
  if (handle <= 0) return NULL;
  for (int i = 0; i < DEV_COUNT; i++)
    if (g_devices[i].handle == handle) return &g_devices[i];
  return NULL;
}

void wake(sim_device *d) { pthread_cond_broadcast(&d->cond); }

/* ---------------------------------------------------------------- hot-plug events */

void post_event(const char *serial, int32_t event) {
  if (!g_initialized || g_event_count == MAX_EVENTS) return;
  int slot = (g_event_head + g_event_count) % MAX_EVENTS;
  snprintf(g_events[slot].serial, sizeof g_events[slot].serial, "%s", serial);
  g_events[slot].event = event;
  g_event_count++;
  pthread_cond_broadcast(&g_event_cond);
}

static void *event_thread(void *unused) {
  (void)unused;
  pthread_mutex_lock(&g_lock);
  while (!g_event_stop) {
    if (g_event_count == 0) {
      pthread_cond_wait(&g_event_cond, &g_lock);
      continue;
    }
    char serial[32];
    memcpy(serial, g_events[g_event_head].serial, sizeof serial);
    int32_t event = g_events[g_event_head].event;
    g_event_head = (g_event_head + 1) % MAX_EVENTS;
    g_event_count--;
    bio_event_cb cb = g_event_cb;
    void *user = g_event_user;
    pthread_mutex_unlock(&g_lock);
    if (cb) cb(serial, event, user);
    pthread_mutex_lock(&g_lock);
  }
  pthread_mutex_unlock(&g_lock);
  return NULL;
}

/* ---------------------------------------------------------------- calls */

/*
 * Starts a blocking call on `handle`: validates it, takes the device's one call slot, and plays
 * a pending hang. g_lock held. On failure *out is left NULL when the slot was not taken.
 */
int begin_call(int32_t handle, call *out) {
  out->device = NULL;
  if (!g_initialized) return fail(NULL, BIO_E_NOT_INITIALIZED, "bio_init has not been called");
  sim_device *d = by_handle(handle);
  if (!d) return fail(NULL, BIO_E_BAD_HANDLE, "handle %d is not open", handle);
  if (d->dead || !d->plugged) return fail(d, BIO_E_NO_DEVICE, "%s was removed", d->serial);
  if (d->busy || d->resetting) return fail(d, BIO_E_BUSY, "another call is running on %s", d->serial);
  d->busy = 1;
  d->cancel_requested = 0;
  d->stats[STAT_CALLS]++;
  out->device = d;
  out->abort_generation = d->abort_generation;
  out->honor_cancel = 1;
  if (d->hang_mode) {
    call hung = *out;
    hung.honor_cancel = d->hang_mode == SIM_BIO_HANG_UNTIL_CANCEL;
    d->hang_mode = 0;
    for (;;) { /* no answer, ever: only an interruption ends it */
      int status = interruption(&hung);
      if (status != BIO_OK) return fail(d, status, "the call hung and was ended: %s", status_name(status));
      timed_wait(&d->cond, -1);
    }
  }
  return BIO_OK;
}

int end_call(call *c, int status) {
  if (c->device) {
    c->device->busy = 0;
    c->device->cancel_requested = 0;
    wake(c->device);
  }
  return status;
}

/* One round trip to the device: its latency, then a pending simulated failure. */
int round_trip(call *c) {
  int status = device_sleep(c, c->device->t.op_ms);
  if (status != BIO_OK) return fail(c->device, status, "%s", status_name(status));
  if (c->device->fail_status) {
    status = c->device->fail_status;
    c->device->fail_status = 0;
    return fail(c->device, status, "the device reported: %s", status_name(status));
  }
  return BIO_OK;
}

/* ---------------------------------------------------------------- library */

EXPORT int32_t bio_get_version(void) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  int version = g_version;
  pthread_mutex_unlock(&g_lock);
  return version;
}

EXPORT int32_t bio_init(int32_t host_version) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  int status = BIO_OK;
  if (g_initialized) {
    status = fail(NULL, BIO_E_BUSY, "bio_init was already called in this process");
  } else if ((host_version >> 16) != (g_version >> 16)) {
    status = fail(NULL, BIO_E_VERSION_MISMATCH, "host built for BioSDK %d.%d.%d, library is %d.%d.%d", host_version >> 16,
                  (host_version >> 8) & 0xff, host_version & 0xff, g_version >> 16, (g_version >> 8) & 0xff, g_version & 0xff);
  } else {
    g_event_stop = 0;
    g_event_head = g_event_count = 0;
    if (pthread_create(&g_event_thread, NULL, event_thread, NULL) != 0) {
      status = fail(NULL, BIO_E_INTERNAL, "cannot start the event thread");
    } else {
      g_initialized = 1;
      g_inits++;
    }
  }
  pthread_mutex_unlock(&g_lock);
  return status;
}

void stop_preview_locked(sim_device *d);

/* Closes `d`'s handle: aborts its call, stops its preview, waits for both. g_lock held. */
void close_locked(sim_device *d) {
  d->abort_generation++;
  wake(d);
  stop_preview_locked(d);
  while (d->busy || d->resetting || d->opening) timed_wait(&d->cond, -1);
  d->handle = 0;
  d->dead = 0;
  d->frame_cb = NULL;
  d->frame_user = NULL;
  d->stats[STAT_CLOSES]++;
}

EXPORT int32_t bio_shutdown(void) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  if (!g_initialized) {
    pthread_mutex_unlock(&g_lock);
    return fail(NULL, BIO_E_NOT_INITIALIZED, "bio_init has not been called");
  }
  for (int i = 0; i < DEV_COUNT; i++)
    if (g_devices[i].handle) close_locked(&g_devices[i]);
  g_initialized = 0;
  g_shutdowns++;
  g_event_stop = 1;
  pthread_cond_broadcast(&g_event_cond);
  pthread_mutex_unlock(&g_lock);
  pthread_join(g_event_thread, NULL);
  return BIO_OK;
}

EXPORT int32_t bio_set_event_callback(bio_event_cb cb, void *user) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  g_event_cb = cb;
  g_event_user = user;
  pthread_mutex_unlock(&g_lock);
  return BIO_OK;
}

EXPORT int32_t bio_enumerate(bio_device_info *out, int32_t capacity, int32_t *count) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  if (!g_initialized) {
    pthread_mutex_unlock(&g_lock);
    return fail(NULL, BIO_E_NOT_INITIALIZED, "bio_init has not been called");
  }
  if (!count || capacity < 0 || (capacity > 0 && !out)) {
    pthread_mutex_unlock(&g_lock);
    return fail(NULL, BIO_E_INVALID_ARGUMENT, "bio_enumerate: null output");
  }
  int op_ms = g_devices[DEV_SCANNER].t.op_ms;
  pthread_mutex_unlock(&g_lock);
  if (op_ms > 0) { /* a bus scan */
    struct timespec ts = {op_ms / 1000, (long)(op_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  pthread_mutex_lock(&g_lock);
  int found = 0;
  for (int i = 0; i < DEV_COUNT; i++) {
    sim_device *d = &g_devices[i];
    if (!d->plugged) continue;
    if (found < capacity) {
      bio_device_info *info = &out[found];
      memset(info, 0, sizeof *info);
      info->struct_size = sizeof *info;
      info->kind = d->kind;
      info->capabilities = d->caps;
      info->max_width = d->max_width;
      info->max_height = d->max_height;
      info->ppi = d->ppi;
      snprintf(info->serial, sizeof info->serial, "%s", d->serial);
      snprintf(info->model, sizeof info->model, "%s", d->model);
      snprintf(info->firmware, sizeof info->firmware, "%s", d->firmware);
    }
    found++;
  }
  *count = found;
  pthread_mutex_unlock(&g_lock);
  return BIO_OK;
}

EXPORT int32_t bio_open(const char *serial, int32_t *handle) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  int status = BIO_OK;
  sim_device *d = by_serial(serial);
  if (!g_initialized) {
    status = fail(NULL, BIO_E_NOT_INITIALIZED, "bio_init has not been called");
  } else if (!handle) {
    status = fail(NULL, BIO_E_INVALID_ARGUMENT, "bio_open: null handle");
  } else if (!d) {
    status = fail(NULL, BIO_E_NO_DEVICE, "no device with serial %s", serial ? serial : "(null)");
  } else if (!d->plugged) {
    status = fail(NULL, BIO_E_NO_DEVICE, "%s is not connected", d->serial);
  } else if (d->opening || (d->handle && !d->dead)) {
    status = fail(NULL, BIO_E_BUSY, "%s is already open", d->serial);
  } else {
    if (d->handle) close_locked(d); /* reclaim the dead handle of a removed device */
    d->opening = 1;
    call c = {d, d->abort_generation, 0};
    status = device_sleep(&c, d->t.open_ms); /* USB handshake, firmware check */
    if (status == BIO_OK && d->fail_status) {
      status = d->fail_status;
      d->fail_status = 0;
    }
    d->opening = 0;
    wake(d);
    if (status != BIO_OK) {
      fail(NULL, status, "opening %s failed: %s", d->serial, status_name(status));
    } else {
      d->handle_generation++;
      d->handle = (int32_t)((d->handle_generation << 4) | (uint32_t)(d->index + 1));
      d->dead = 0;
      d->cancel_requested = 0;
      d->exposure_mode = BIO_EXPOSURE_AUTO;
      d->exposure_ev = 0;
      d->last_count = 0;
      d->last_whole_quality = -1;
      d->last_error[0] = 0;
      d->stats[STAT_OPENS]++;
      *handle = d->handle;
    }
  }
  pthread_mutex_unlock(&g_lock);
  return status;
}

EXPORT int32_t bio_close(int32_t handle) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  sim_device *d = by_handle(handle);
  int status = BIO_OK;
  if (!d) status = fail(NULL, BIO_E_BAD_HANDLE, "handle %d is not open", handle);
  else close_locked(d);
  pthread_mutex_unlock(&g_lock);
  return status;
}

EXPORT int32_t bio_reset(int32_t handle) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  sim_device *d = by_handle(handle);
  int status = BIO_OK;
  if (!d) {
    status = fail(NULL, BIO_E_BAD_HANDLE, "handle %d is not open", handle);
  } else if (d->dead || !d->plugged) {
    status = fail(d, BIO_E_NO_DEVICE, "%s was removed", d->serial);
  } else if (d->resetting) {
    status = fail(d, BIO_E_BUSY, "%s is already resetting", d->serial);
  } else {
    d->resetting = 1;
    d->abort_generation++;
    d->stats[STAT_RESETS]++;
    wake(d);
    while (d->busy) timed_wait(&d->cond, -1); /* the aborted call leaves at its next wait */
    d->hang_mode = 0;                          /* the wedged firmware state is gone */
    call c = {d, d->abort_generation, 0};
    status = device_sleep(&c, d->t.reset_ms);
    if (status != BIO_OK) fail(d, status, "reset of %s failed: %s", d->serial, status_name(status));
    d->resetting = 0;
    wake(d);
  }
  pthread_mutex_unlock(&g_lock);
  return status;
}

EXPORT int32_t bio_cancel(int32_t handle) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  sim_device *d = by_handle(handle);
  int status = BIO_OK;
  if (!d) {
    status = fail(NULL, BIO_E_BAD_HANDLE, "handle %d is not open", handle);
  } else if (d->busy) {
    d->cancel_requested = 1;
    d->stats[STAT_CANCELS]++;
    wake(d);
  }
  pthread_mutex_unlock(&g_lock);
  return status;
}

EXPORT int32_t bio_get_status(int32_t handle) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  sim_device *d = by_handle(handle);
  int status = !d ? BIO_E_BAD_HANDLE : (d->dead || !d->plugged) ? BIO_E_NO_DEVICE : BIO_OK;
  pthread_mutex_unlock(&g_lock);
  return status;
}

EXPORT int32_t bio_last_error(int32_t handle, char *buf, int32_t capacity) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  sim_device *d = by_handle(handle);
  const char *message = d ? d->last_error : g_last_error;
  int length = (int)strlen(message);
  if (buf && capacity > 0) snprintf(buf, (size_t)capacity, "%s", message);
  pthread_mutex_unlock(&g_lock);
  return length;
}

EXPORT int32_t bio_set_frame_callback(int32_t handle, bio_frame_cb cb, void *user) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  sim_device *d = by_handle(handle);
  int status = BIO_OK;
  if (!d) {
    status = fail(NULL, BIO_E_BAD_HANDLE, "handle %d is not open", handle);
  } else {
    d->frame_cb = cb;
    d->frame_user = user;
  }
  pthread_mutex_unlock(&g_lock);
  return status;
}
