/*
 * The hardware side of the simulated BioSDK (sim_bio_controls.h): unplug, hangs, failures,
 * garbage results, timings, and the person or subject in front of the devices.
 */
#define _GNU_SOURCE
#include <math.h>
#include <string.h>

#include "sim_bio_internal.h"

/* Runs `body` on the device named by serial, or on every device for NULL. */
#define FOR_DEVICES(serial, body)                                                                                      \
  ensure_setup();                                                                                                      \
  pthread_mutex_lock(&g_lock);                                                                                         \
  int found_ = 0;                                                                                                      \
  for (int i_ = 0; i_ < DEV_COUNT; i_++) {                                                                             \
    sim_device *d = &g_devices[i_];                                                                                    \
    if (serial && strcmp(serial, d->serial) != 0) continue;                                                            \
    found_++;                                                                                                          \
    body;                                                                                                              \
    wake(d);                                                                                                           \
  }                                                                                                                    \
  pthread_mutex_unlock(&g_lock);                                                                                       \
  return found_ ? BIO_OK : BIO_E_NO_DEVICE

EXPORT void sim_bio_reset_all(void) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  for (int i = 0; i < DEV_COUNT; i++) {
    sim_device *d = &g_devices[i];
    if (!d->plugged) post_event(d->serial, BIO_EVENT_ARRIVED);
    device_defaults(d);
    wake(d);
  }
  g_version = BIO_SDK_VERSION;
  g_inits = g_shutdowns = 0;
  pthread_mutex_unlock(&g_lock);
}

EXPORT void sim_bio_set_version(int32_t version) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  g_version = version;
  pthread_mutex_unlock(&g_lock);
}

EXPORT int32_t sim_bio_unplug(const char *serial) {
  FOR_DEVICES(serial, {
    if (d->plugged) {
      d->plugged = 0;
      if (d->handle) d->dead = 1;
      post_event(d->serial, BIO_EVENT_REMOVED);
    }
  });
}

EXPORT int32_t sim_bio_replug(const char *serial) {
  FOR_DEVICES(serial, {
    if (!d->plugged) {
      d->plugged = 1;
      post_event(d->serial, BIO_EVENT_ARRIVED);
    }
  });
}

EXPORT int32_t sim_bio_hang_next(const char *serial, int32_t mode) {
  FOR_DEVICES(serial, d->hang_mode = mode == SIM_BIO_HANG_WEDGED ? SIM_BIO_HANG_WEDGED : mode ? SIM_BIO_HANG_UNTIL_CANCEL : 0);
}

EXPORT int32_t sim_bio_fail_next(const char *serial, int32_t status) {
  FOR_DEVICES(serial, d->fail_status = status < 0 ? status : 0);
}

EXPORT int32_t sim_bio_corrupt_next(const char *serial, int32_t kind) { FOR_DEVICES(serial, d->corrupt_kind = kind); }

EXPORT int32_t sim_bio_set_timing(const char *serial, int32_t open_ms, int32_t op_ms, int32_t place_ms,
                                  int32_t preview_frames, int32_t reset_ms) {
  FOR_DEVICES(serial, {
    if (open_ms >= 0) d->t.open_ms = open_ms;
    if (op_ms >= 0) d->t.op_ms = op_ms;
    if (place_ms >= 0) d->t.place_ms = place_ms;
    if (preview_frames >= 0) d->t.preview_frames = preview_frames > 30 ? 30 : preview_frames;
    if (reset_ms >= 0) d->t.reset_ms = reset_ms;
  });
}

EXPORT int32_t sim_bio_set_static_frames(const char *serial, int32_t enabled) {
  FOR_DEVICES(serial, {
    d->static_frames = enabled != 0;
    d->image_key = 0;
  });
}

static int clamp_quality(int quality) { return quality < 0 ? 0 : quality > 100 ? 100 : quality; }

EXPORT int32_t sim_bio_set_quality(const char *serial, int32_t position, int32_t quality) {
  if (position < -1 || position > 10) return BIO_E_INVALID_ARGUMENT;
  FOR_DEVICES(serial, {
    if (position == -1) d->palm_quality = clamp_quality(quality);
    else if (position == 0)
      for (int p = 1; p <= 10; p++) d->quality[p] = clamp_quality(quality);
    else d->quality[position] = clamp_quality(quality);
  });
}

EXPORT int32_t sim_bio_set_person(const char *serial, int32_t places, int32_t wrong_hand, int32_t spoof) {
  FOR_DEVICES(serial, {
    if (places >= 0) d->places = places != 0;
    if (wrong_hand >= 0) d->wrong_hand = wrong_hand != 0;
    if (spoof >= 0) d->spoof = spoof != 0;
  });
}

EXPORT int32_t sim_bio_set_finger_missing(const char *serial, int32_t position, int32_t missing) {
  if (position < 1 || position > 10) return BIO_E_INVALID_ARGUMENT;
  FOR_DEVICES(serial, d->missing[position] = missing != 0);
}

EXPORT int32_t sim_bio_duplicate_finger_once(const char *serial, int32_t position) {
  if (position < 1 || position > 10) return BIO_E_INVALID_ARGUMENT;
  FOR_DEVICES(serial, d->duplicate = position);
}

EXPORT int32_t sim_bio_set_subject(const char *serial, int32_t present, int32_t eyes_open, int32_t frontal,
                                   double lighting_stops) {
  FOR_DEVICES(serial, {
    if (present >= 0) d->present = present != 0;
    if (eyes_open >= 0) d->eyes_open = eyes_open != 0;
    if (frontal >= 0) d->frontal = frontal != 0;
    if (!isnan(lighting_stops)) d->lighting_stops = lighting_stops;
  });
}

EXPORT int32_t sim_bio_stats(const char *serial, int32_t *out, int32_t count) {
  if (!serial || !out) return BIO_E_INVALID_ARGUMENT;
  FOR_DEVICES(serial, {
    for (int k = 0; k < count && k < STAT_COUNT; k++) out[k] = d->stats[k];
  });
}

EXPORT int32_t sim_bio_library_stats(int32_t *out, int32_t count) {
  if (!out) return BIO_E_INVALID_ARGUMENT;
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  int32_t values[3] = {g_inits, g_shutdowns, g_initialized};
  for (int k = 0; k < count && k < 3; k++) out[k] = values[k];
  pthread_mutex_unlock(&g_lock);
  return BIO_OK;
}
