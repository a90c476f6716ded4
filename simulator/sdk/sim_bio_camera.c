/*
 * The simulated camera's side of BioSDK: portraits as baseline JPEG with ICAO-style checks,
 * exposure, and JPEG preview frames from the SDK's own per-device thread. See sim_bio_sdk.c for
 * the locking rules.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_bio_internal.h"

/* What reaches the sensor: the room light corrected by auto exposure, or shifted by manual EV. */
static double sensor_exposure(const sim_device *d) {
  return d->exposure_mode == BIO_EXPOSURE_AUTO ? 0 : d->lighting_stops + d->exposure_ev;
}

EXPORT int32_t bio_cam_capture(int32_t handle, int32_t timeout_ms, uint8_t *jpeg, uint32_t jpeg_capacity,
                               bio_portrait_result *result) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  call c;
  int status = begin_call(handle, &c);
  if (status != BIO_OK) goto out;
  sim_device *d = c.device;
  if (d->kind != BIO_KIND_CAMERA) {
    status = fail(d, BIO_E_NOT_SUPPORTED, "%s is not a camera", d->serial);
    goto out;
  }
  if (!jpeg || !result || timeout_ms < 0) {
    status = fail(d, BIO_E_INVALID_ARGUMENT, "bio_cam_capture: null buffer or negative timeout");
    goto out;
  }
  int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
  if ((status = round_trip(&c)) != BIO_OK) goto out;
  /* autofocus and exposure settle: the camera's share of place_ms */
  if ((status = device_sleep(&c, d->t.place_ms / 4)) != BIO_OK) {
    fail(d, status, "%s", status_name(status));
    goto out;
  }
  if (deadline >= 0 && now_ms() > deadline) {
    status = fail(d, BIO_E_TIMEOUT, "autofocus did not settle within %d ms", timeout_ms);
    goto out;
  }
  img_portrait portrait = {d->present, d->eyes_open, d->frontal, sensor_exposure(d), d->static_frames ? 11u : 11u + ++d->captures,
                           {0, 0}, {0, 0}};
  uint64_t key = fnv(fnv(fnv(0xca3e, &portrait.present, 3 * sizeof(int)), &portrait.exposure_stops, sizeof(double)),
                     &portrait.seed, sizeof portrait.seed);
  if (ensure_image(d, (size_t)PORTRAIT_W * PORTRAIT_H) != 0) {
    status = fail(d, BIO_E_INTERNAL, "out of memory");
    goto out;
  }
  if (!d->static_frames || key != d->image_key) {
    d->image_key = 0;
    pthread_mutex_unlock(&g_lock);
    img_render_portrait(d->image, PORTRAIT_W, PORTRAIT_H, &portrait);
    int encoded = img_encode_jpeg_gray(d->image, PORTRAIT_W, PORTRAIT_H, 88, &d->jpeg);
    pthread_mutex_lock(&g_lock);
    if (encoded != 0) {
      status = fail(d, BIO_E_INTERNAL, "JPEG encoder out of memory");
      goto out;
    }
    d->image_key = key;
  } else {
    img_portrait_eyes(PORTRAIT_W, &portrait); /* the cached JPEG is this portrait: only the geometry is needed */
  }
  if ((status = interruption(&c)) != BIO_OK) {
    fail(d, status, "%s", status_name(status));
    goto out;
  }
  memset(result, 0, sizeof *result);
  result->struct_size = sizeof *result;
  result->width = PORTRAIT_W;
  result->height = PORTRAIT_H;
  result->jpeg_bytes = (uint32_t)d->jpeg.length;
  if (d->jpeg.length > jpeg_capacity) {
    status = fail(d, BIO_E_BUFFER_TOO_SMALL, "the portrait needs %u bytes, the buffer holds %u", (unsigned)d->jpeg.length,
                  jpeg_capacity);
    goto out;
  }
  pthread_mutex_unlock(&g_lock);
  memcpy(jpeg, d->jpeg.data, d->jpeg.length);
  pthread_mutex_lock(&g_lock);
  result->face_found = portrait.present;
  if (portrait.present) {
    result->eyes_open = portrait.eyes_open;
    result->frontal = portrait.frontal;
    result->exposure_ok = fabs(portrait.exposure_stops) <= 0.7;
    result->eye_distance_px = (int32_t)lround(hypot(portrait.eye_x[1] - portrait.eye_x[0], portrait.eye_y[1] - portrait.eye_y[0]));
  } else {
    result->eyes_open = result->frontal = result->exposure_ok = result->eye_distance_px = -1;
  }
  switch (d->corrupt_kind) {
  case SIM_BIO_CORRUPT_IMAGE_BYTES: result->jpeg_bytes = jpeg_capacity + 4096; break;
  case SIM_BIO_CORRUPT_DIMENSIONS: result->width = 0; break;
  case SIM_BIO_CORRUPT_STRUCT_SIZE: result->struct_size = sizeof *result - 8; break;
  case SIM_BIO_CORRUPT_JPEG: result->jpeg_bytes -= 2; break;
  case SIM_BIO_CORRUPT_QUALITY: result->face_found = 7; break;
  default: break;
  }
  d->corrupt_kind = 0;
out:
  status = end_call(&c, status);
  pthread_mutex_unlock(&g_lock);
  return status;
}

EXPORT int32_t bio_cam_set_exposure(int32_t handle, int32_t mode, double ev) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  call c;
  int status = begin_call(handle, &c);
  if (status != BIO_OK) goto out;
  sim_device *d = c.device;
  if (!(d->caps & BIO_CAP_EXPOSURE)) {
    status = fail(d, BIO_E_NOT_SUPPORTED, "%s has no exposure control", d->serial);
  } else if ((mode != BIO_EXPOSURE_AUTO && mode != BIO_EXPOSURE_MANUAL) || (mode == BIO_EXPOSURE_MANUAL && !(fabs(ev) <= 3))) {
    status = fail(d, BIO_E_INVALID_ARGUMENT, "exposure mode %d, EV %g: EV must be within -3..+3", mode, ev);
  } else if ((status = round_trip(&c)) == BIO_OK) {
    d->exposure_mode = mode;
    d->exposure_ev = mode == BIO_EXPOSURE_MANUAL ? ev : 0;
  }
out:
  status = end_call(&c, status);
  pthread_mutex_unlock(&g_lock);
  return status;
}

static void *preview_thread(void *arg) {
  sim_device *d = arg;
  img_bytes jpeg = {NULL, 0, 0};
  uint8_t *gray = malloc(CAMERA_PREVIEW_W * CAMERA_PREVIEW_H);
  pthread_mutex_lock(&g_lock);
  while (!d->preview_stop && gray) {
    int64_t deadline = now_ms() + d->preview_interval_ms;
    while (!d->preview_stop && now_ms() < deadline) timed_wait(&d->cond, deadline);
    if (d->preview_stop) break;
    if (!d->plugged || d->dead || !d->frame_cb) continue; /* a removed camera streams nothing */
    img_portrait portrait = {d->present, d->eyes_open, d->frontal, sensor_exposure(d), 11u, {0, 0}, {0, 0}};
    bio_frame_cb cb = d->frame_cb;
    void *user = d->frame_user;
    int32_t handle = d->handle;
    pthread_mutex_unlock(&g_lock);
    img_render_portrait(gray, CAMERA_PREVIEW_W, CAMERA_PREVIEW_H, &portrait);
    if (img_encode_jpeg_gray(gray, CAMERA_PREVIEW_W, CAMERA_PREVIEW_H, 60, &jpeg) == 0) {
      cb(handle, BIO_FRAME_JPEG, jpeg.data, (uint32_t)jpeg.length, CAMERA_PREVIEW_W, CAMERA_PREVIEW_H, NULL, 0, user);
    }
    pthread_mutex_lock(&g_lock);
  }
  pthread_mutex_unlock(&g_lock);
  free(gray);
  free(jpeg.data);
  return NULL;
}

/* Stops and joins the preview thread. g_lock held; released while joining. */
void stop_preview_locked(sim_device *d) {
  if (!d->preview_running) return;
  d->preview_stop = 1;
  wake(d);
  pthread_t thread = d->preview_thread;
  pthread_mutex_unlock(&g_lock);
  pthread_join(thread, NULL);
  pthread_mutex_lock(&g_lock);
  d->preview_running = 0;
  d->preview_stop = 0;
}

EXPORT int32_t bio_cam_start_preview(int32_t handle, int32_t interval_ms) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  call c;
  int status = begin_call(handle, &c);
  if (status != BIO_OK) goto out;
  sim_device *d = c.device;
  if (!(d->caps & BIO_CAP_PREVIEW) || d->kind != BIO_KIND_CAMERA) {
    status = fail(d, BIO_E_NOT_SUPPORTED, "%s has no streaming preview", d->serial);
  } else if (interval_ms < 20 || interval_ms > 5000) {
    status = fail(d, BIO_E_INVALID_ARGUMENT, "preview interval %d ms is outside 20..5000", interval_ms);
  } else if ((status = round_trip(&c)) == BIO_OK) {
    d->preview_interval_ms = interval_ms;
    if (!d->preview_running) {
      d->preview_stop = 0;
      if (pthread_create(&d->preview_thread, NULL, preview_thread, d) != 0) {
        status = fail(d, BIO_E_INTERNAL, "cannot start the preview thread");
      } else {
        d->preview_running = 1;
      }
    }
  }
out:
  status = end_call(&c, status);
  pthread_mutex_unlock(&g_lock);
  return status;
}

EXPORT int32_t bio_cam_stop_preview(int32_t handle) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  call c;
  int status = begin_call(handle, &c);
  if (status != BIO_OK) goto out;
  if ((status = round_trip(&c)) == BIO_OK) stop_preview_locked(c.device);
out:
  status = end_call(&c, status);
  pthread_mutex_unlock(&g_lock);
  return status;
}
