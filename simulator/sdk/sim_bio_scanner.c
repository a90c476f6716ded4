/*
 * The simulated scanner's side of BioSDK: 4-4-2 slaps, flat and rolled fingers, palms, preview
 * frames on the capturing thread, image sizes and quality. See sim_bio_sdk.c for the locking rules.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "sim_bio_internal.h"

int ensure_image(sim_device *d, size_t bytes) {
  if (d->image_capacity >= bytes) return 0;
  uint8_t *image = realloc(d->image, bytes), *preview = realloc(d->preview, bytes / (PREVIEW_FACTOR * PREVIEW_FACTOR) + 1);
  if (image) d->image = image;
  if (preview) d->preview = preview;
  if (!image || !preview) return -1;
  d->image_capacity = bytes;
  d->image_key = 0;
  return 0;
}

uint64_t fnv(uint64_t hash, const void *data, size_t length) {
  const uint8_t *bytes = data;
  for (size_t i = 0; i < length; i++) hash = (hash ^ bytes[i]) * 1099511628211ull;
  return hash;
}

/* The same finger on the other hand: 2 (right index) <-> 7 (left index). */
static int other_hand(int position) { return (position + 4) % 10 + 1; }

/* Waits for the person to present something, until deadline. g_lock held. */
static int wait_for_person(call *c, int64_t deadline) {
  sim_device *d = c->device;
  for (;;) {
    int status = interruption(c);
    if (status != BIO_OK) return status;
    if (d->kind != BIO_KIND_SCANNER || d->places) return BIO_OK;
    if (deadline >= 0 && now_ms() >= deadline) return BIO_E_TIMEOUT;
    timed_wait(&d->cond, deadline);
  }
}

/*
 * Streams preview frames while the hand settles (place_ms), then returns. The frame callback runs
 * on this (the capturing) thread with g_lock released. g_lock held on entry and exit.
 */
static int stream_scanner_preview(call *c, int width, int height, const bio_segment *segments, int count,
                                  int64_t deadline) {
  sim_device *d = c->device;
  int frames = d->t.preview_frames, step = frames > 0 ? d->t.place_ms / frames : d->t.place_ms;
  int pw = width / PREVIEW_FACTOR, ph = height / PREVIEW_FACTOR;
  for (int frame = 0; frame < (frames > 0 ? frames : 1); frame++) {
    int status = device_sleep(c, step);
    if (status != BIO_OK) return status;
    if (deadline >= 0 && now_ms() > deadline) return BIO_E_TIMEOUT;
    if (frames == 0) break;
    bio_frame_cb cb = d->frame_cb;
    void *user = d->frame_user;
    int32_t handle = d->handle;
    if (!cb) continue;
    bio_segment instant[BIO_MAX_SEGMENTS];
    for (int i = 0; i < count; i++) {
      instant[i] = segments[i];
      instant[i].quality = segments[i].quality * (frame + 1) / frames; /* settles as the hand does */
      instant[i].x /= PREVIEW_FACTOR;
      instant[i].y /= PREVIEW_FACTOR;
      instant[i].width /= PREVIEW_FACTOR;
      instant[i].height /= PREVIEW_FACTOR;
    }
    pthread_mutex_unlock(&g_lock);
    img_downscale(d->image, width, height, PREVIEW_FACTOR, d->preview);
    cb(handle, BIO_FRAME_GRAY8, d->preview, (uint32_t)(pw * ph), pw, ph, instant, count, user);
    pthread_mutex_lock(&g_lock);
  }
  return BIO_OK;
}

/* Which fingers land in which platen slot (0 = leftmost) for a capture, as the person places them. */
typedef struct placement {
  int count, thumbs, hand, width, height;
  int positions[4];
  img_finger fingers[4];
} placement;

static int plan_fingers(sim_device *d, int mode, int target, placement *p) {
  static const int right_four[4] = {2, 3, 4, 5}, left_four[4] = {10, 9, 8, 7}, thumbs[2] = {6, 1};
  memset(p, 0, sizeof *p);
  int slots[4], slot_count;
  if (mode == BIO_CAPTURE_SLAP) {
    if (target == BIO_SLAP_TWO_THUMBS) {
      p->thumbs = 1;
      p->hand = BIO_HAND_BOTH;
      slot_count = 2;
      memcpy(slots, thumbs, sizeof thumbs);
    } else {
      int right = (target == BIO_SLAP_RIGHT_FOUR) != (d->wrong_hand != 0);
      p->hand = right ? BIO_HAND_RIGHT : BIO_HAND_LEFT;
      slot_count = 4;
      memcpy(slots, right ? right_four : left_four, sizeof right_four);
    }
    p->width = SLAP_W;
    p->height = SLAP_H;
  } else {
    slot_count = 1;
    slots[0] = d->wrong_hand ? other_hand(target) : target;
    p->hand = BIO_HAND_UNKNOWN;
    p->width = FLAT_W;
    p->height = FLAT_H;
  }
  for (int slot = 0; slot < slot_count; slot++) {
    int position = slots[slot];
    if (d->missing[position]) continue; /* its slot stays empty, as on a real platen */
    img_finger f = slot_count == 1 ? img_flat_slot() : img_slap_slot(p->thumbs, p->hand == BIO_HAND_RIGHT, slot);
    f.quality = d->quality[position];
    p->fingers[p->count] = f;
    p->positions[p->count] = position;
    p->count++;
  }
  if (d->duplicate && p->count > 1) { /* the person re-places a finger already on the platen */
    p->positions[p->count - 1] = d->duplicate;
    d->duplicate = 0;
  }
  return BIO_OK;
}

int check_finger_request(sim_device *d, int mode, int target) {
  if (mode == BIO_CAPTURE_SLAP && (d->caps & BIO_CAP_SLAP)) {
    if (target < BIO_SLAP_RIGHT_FOUR || target > BIO_SLAP_TWO_THUMBS) return fail(d, BIO_E_INVALID_ARGUMENT, "unknown slap %d", target);
    return BIO_OK;
  }
  if ((mode == BIO_CAPTURE_FLAT && (d->caps & BIO_CAP_FLAT)) || (mode == BIO_CAPTURE_ROLLED && (d->caps & BIO_CAP_ROLLED))) {
    if (target < 1 || target > 10) return fail(d, BIO_E_INVALID_ARGUMENT, "unknown finger %d", target);
    return BIO_OK;
  }
  return fail(d, BIO_E_NOT_SUPPORTED, "capture mode %d is not supported by %s", mode, d->serial);
}

/* Renders into d->image unless static frames are on and nothing changed. g_lock held; released while rendering. */
static void render_fingers(sim_device *d, const placement *p, uint32_t seed) {
  /* field by field: the structs have padding, whose bytes are whatever the stack held */
  uint64_t key = fnv(1469598103934665603ull, &seed, sizeof seed);
  key = fnv(key, &p->width, sizeof p->width);
  for (int i = 0; i < p->count; i++) {
    const img_finger *f = &p->fingers[i];
    double geometry[5] = {f->cx, f->cy, f->a, f->b, f->rot};
    key = fnv(key, geometry, sizeof geometry);
    key = fnv(key, &f->quality, sizeof f->quality);
  }
  if (d->static_frames && key == d->image_key) return;
  d->image_key = 0;
  pthread_mutex_unlock(&g_lock);
  img_render_fingers(d->image, p->width, p->height, p->fingers, p->count, seed);
  pthread_mutex_lock(&g_lock);
  d->image_key = key;
}

void fail_wait(sim_device *d, int status, int timeout_ms) {
  if (status == BIO_E_TIMEOUT) fail(d, status, "nothing was placed within %d ms", timeout_ms);
  else fail(d, status, "%s", status_name(status));
}

EXPORT int32_t bio_capture_fingers(int32_t handle, int32_t mode, int32_t target, int32_t timeout_ms, uint8_t *image,
                                   uint32_t image_capacity, bio_finger_result *result) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  call c;
  int status = begin_call(handle, &c);
  if (status != BIO_OK) goto out;
  sim_device *d = c.device;
  if (!image || !result || timeout_ms < 0) {
    status = fail(d, BIO_E_INVALID_ARGUMENT, "bio_capture_fingers: null buffer or negative timeout");
    goto out;
  }
  if ((status = check_finger_request(d, mode, target)) != BIO_OK) goto out;
  int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
  if ((status = round_trip(&c)) != BIO_OK) goto out;
  if ((status = wait_for_person(&c, deadline)) != BIO_OK) {
    fail_wait(d, status, timeout_ms);
    goto out;
  }
  if (ensure_image(d, (size_t)PALM_W * PALM_H) != 0) {
    status = fail(d, BIO_E_INTERNAL, "out of memory");
    goto out;
  }
  placement p;
  plan_fingers(d, mode, target, &p);
  int spoof = d->spoof;
  render_fingers(d, &p, d->static_frames ? 1u : ++d->captures);
  bio_segment segments[BIO_MAX_SEGMENTS];
  for (int i = 0; i < p.count; i++) {
    img_box box = img_finger_box(&p.fingers[i], p.width, p.height);
    segments[i] = (bio_segment){p.positions[i], p.fingers[i].quality, box.x, box.y, box.width, box.height};
  }
  if ((status = interruption(&c)) != BIO_OK ||
      (status = stream_scanner_preview(&c, p.width, p.height, segments, p.count, deadline)) != BIO_OK) {
    fail(d, status, "%s", status == BIO_E_TIMEOUT ? "the hand did not settle in time" : status_name(status));
    goto out;
  }

  uint32_t needed = (uint32_t)(p.width * p.height);
  memset(result, 0, sizeof *result);
  result->struct_size = sizeof *result;
  result->width = p.width;
  result->height = p.height;
  result->ppi = 500;
  result->image_bytes = needed;
  if (needed > image_capacity) {
    status = fail(d, BIO_E_BUFFER_TOO_SMALL, "the image needs %u bytes, the buffer holds %u", needed, image_capacity);
    goto out;
  }
  pthread_mutex_unlock(&g_lock);
  memcpy(image, d->image, needed);
  pthread_mutex_lock(&g_lock);
  if ((status = interruption(&c)) != BIO_OK) {
    fail(d, status, "%s", status_name(status));
    goto out;
  }
  result->hand = p.hand;
  result->live = !spoof;
  result->liveness_score = spoof ? 8 : 96;
  result->segment_count = p.count;
  for (int i = 0; i < p.count; i++) result->segments[i] = segments[i];
  d->last_count = p.count;
  for (int i = 0; i < p.count; i++) d->last_quality[i] = segments[i].quality;
  d->last_whole_quality = -1;
  switch (d->corrupt_kind) {
  case SIM_BIO_CORRUPT_IMAGE_BYTES: result->image_bytes = needed - 17; break;
  case SIM_BIO_CORRUPT_DIMENSIONS: result->width = p.width * 4, result->image_bytes = needed * 4; break;
  case SIM_BIO_CORRUPT_SEGMENTS: result->segment_count = 37, result->segments[0].x = p.width + 500; break;
  case SIM_BIO_CORRUPT_STRUCT_SIZE: result->struct_size = sizeof *result - 8; break;
  case SIM_BIO_CORRUPT_QUALITY: result->segments[0].quality = 250, d->last_quality[0] = 250; break;
  default: break;
  }
  d->corrupt_kind = 0;
out:
  status = end_call(&c, status);
  pthread_mutex_unlock(&g_lock);
  return status;
}

EXPORT int32_t bio_capture_palm(int32_t handle, int32_t palm, int32_t timeout_ms, uint8_t *image, uint32_t image_capacity,
                                bio_palm_result *result) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  call c;
  int status = begin_call(handle, &c);
  if (status != BIO_OK) goto out;
  sim_device *d = c.device;
  if (!(d->caps & BIO_CAP_PALM)) {
    status = fail(d, BIO_E_NOT_SUPPORTED, "%s has no palm platen", d->serial);
    goto out;
  }
  if (!image || !result || timeout_ms < 0 || palm < BIO_PALM_RIGHT_FULL || palm > BIO_PALM_LEFT_WRITER) {
    status = fail(d, BIO_E_INVALID_ARGUMENT, "bio_capture_palm: bad palm, buffer or timeout");
    goto out;
  }
  int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
  if ((status = round_trip(&c)) != BIO_OK) goto out;
  if ((status = wait_for_person(&c, deadline)) != BIO_OK) {
    fail_wait(d, status, timeout_ms);
    goto out;
  }
  if (ensure_image(d, (size_t)PALM_W * PALM_H) != 0) {
    status = fail(d, BIO_E_INTERNAL, "out of memory");
    goto out;
  }
  int quality = d->palm_quality, spoof = d->spoof;
  uint32_t seed = d->static_frames ? 1u : ++d->captures;
  uint64_t key = fnv(fnv(0x9a1e, &quality, sizeof quality), &seed, sizeof seed);
  if (!d->static_frames || key != d->image_key) {
    d->image_key = 0;
    pthread_mutex_unlock(&g_lock);
    img_render_palm(d->image, PALM_W, PALM_H, quality, seed);
    pthread_mutex_lock(&g_lock);
    d->image_key = key;
  }
  if ((status = interruption(&c)) != BIO_OK || (status = stream_scanner_preview(&c, PALM_W, PALM_H, NULL, 0, deadline)) != BIO_OK) {
    fail(d, status, "%s", status == BIO_E_TIMEOUT ? "the palm did not settle in time" : status_name(status));
    goto out;
  }
  uint32_t needed = PALM_W * PALM_H;
  memset(result, 0, sizeof *result);
  result->struct_size = sizeof *result;
  result->width = PALM_W;
  result->height = PALM_H;
  result->ppi = 500;
  result->image_bytes = needed;
  if (needed > image_capacity) {
    status = fail(d, BIO_E_BUFFER_TOO_SMALL, "the image needs %u bytes, the buffer holds %u", needed, image_capacity);
    goto out;
  }
  pthread_mutex_unlock(&g_lock);
  memcpy(image, d->image, needed);
  pthread_mutex_lock(&g_lock);
  if ((status = interruption(&c)) != BIO_OK) {
    fail(d, status, "%s", status_name(status));
    goto out;
  }
  result->live = !spoof;
  result->liveness_score = spoof ? 8 : 96;
  d->last_count = 0;
  d->last_whole_quality = quality;
  switch (d->corrupt_kind) {
  case SIM_BIO_CORRUPT_IMAGE_BYTES: result->image_bytes = needed - 17; break;
  case SIM_BIO_CORRUPT_DIMENSIONS: result->height = PALM_H * 3, result->image_bytes = needed * 3; break;
  case SIM_BIO_CORRUPT_STRUCT_SIZE: result->struct_size = sizeof *result + 16; break;
  case SIM_BIO_CORRUPT_QUALITY: d->last_whole_quality = 250; break;
  default: break;
  }
  d->corrupt_kind = 0;
out:
  status = end_call(&c, status);
  pthread_mutex_unlock(&g_lock);
  return status;
}

EXPORT int32_t bio_get_image_size(int32_t handle, int32_t mode, int32_t target, int32_t *width, int32_t *height) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  sim_device *d = by_handle(handle);
  int status = BIO_OK;
  if (!d) {
    status = fail(NULL, BIO_E_BAD_HANDLE, "handle %d is not open", handle);
  } else if (!width || !height) {
    status = fail(d, BIO_E_INVALID_ARGUMENT, "bio_get_image_size: null output");
  } else if (mode == BIO_CAPTURE_PALM && (d->caps & BIO_CAP_PALM)) {
    if (target < BIO_PALM_RIGHT_FULL || target > BIO_PALM_LEFT_WRITER) status = fail(d, BIO_E_INVALID_ARGUMENT, "unknown palm %d", target);
    else *width = PALM_W, *height = PALM_H;
  } else if ((status = check_finger_request(d, mode, target)) == BIO_OK) {
    *width = mode == BIO_CAPTURE_SLAP ? SLAP_W : FLAT_W;
    *height = mode == BIO_CAPTURE_SLAP ? SLAP_H : FLAT_H;
  }
  pthread_mutex_unlock(&g_lock);
  return status;
}

EXPORT int32_t bio_get_quality(int32_t handle, int32_t segment, int32_t *quality) {
  ensure_setup();
  pthread_mutex_lock(&g_lock);
  call c;
  int status = begin_call(handle, &c);
  if (status != BIO_OK) goto out;
  sim_device *d = c.device;
  if (!quality) {
    status = fail(d, BIO_E_INVALID_ARGUMENT, "bio_get_quality: null output");
    goto out;
  }
  if ((status = round_trip(&c)) != BIO_OK) goto out;
  if (segment == BIO_WHOLE_IMAGE && d->last_whole_quality >= 0) {
    *quality = d->last_whole_quality;
  } else if (segment >= 0 && segment < d->last_count) {
    *quality = d->last_quality[segment];
  } else {
    status = fail(d, BIO_E_INVALID_ARGUMENT, "the last capture has no segment %d", segment);
  }
out:
  status = end_call(&c, status);
  pthread_mutex_unlock(&g_lock);
  return status;
}
