/*
 * The hardware side of the simulated BioSDK: controls a test, the bench or booth-rig call to make
 * the simulated scanner, camera and the person in front of them behave a certain way. A real
 * vendor library has none of these; the production drivers never call them.
 *
 * Every control is [non-blocking], may be called before bio_init and from any thread, and takes
 * the serial of the device it acts on (NULL: every device). Integer arguments of -1 and a NaN
 * double mean "leave as it is". Returns BIO_OK, or BIO_E_NO_DEVICE for an unknown serial.
 *
 * Defaults (also readable from the environment at library load and at sim_bio_reset_all):
 *   SIM_BIO_OPEN_MS 120        device open / USB handshake
 *   SIM_BIO_OP_MS 15           every other device round trip
 *   SIM_BIO_PLACE_MS 700       how long the person takes to place the hand / pose
 *   SIM_BIO_PREVIEW_FRAMES 4   scanner preview frames while the hand is placed
 *   SIM_BIO_RESET_MS 80        bio_reset re-initialisation
 *   SIM_BIO_STATIC_FRAMES 0    1: reuse the last rendered image while nothing changes (benchmarks)
 */
#ifndef SIM_BIO_CONTROLS_H
#define SIM_BIO_CONTROLS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The two simulated devices. */
#define SIM_BIO_SCANNER_SERIAL "BSF442-000117"
#define SIM_BIO_CAMERA_SERIAL "BSC12-000243"

/* sim_bio_hang_next modes: the next blocking call on the device never completes by itself... */
#define SIM_BIO_HANG_UNTIL_CANCEL 1 /* ...but bio_cancel ends it (a capture nobody finishes) */
#define SIM_BIO_HANG_WEDGED 2       /* ...and ignores bio_cancel: only bio_reset/bio_close/unplug end it */

/* sim_bio_corrupt_next kinds: the next capture returns BIO_OK with a result that lies. */
#define SIM_BIO_CORRUPT_IMAGE_BYTES 1  /* image_bytes / jpeg_bytes != what width and height need */
#define SIM_BIO_CORRUPT_DIMENSIONS 2   /* width*height larger than the caller's buffer */
#define SIM_BIO_CORRUPT_SEGMENTS 3     /* segment_count 37, boxes outside the image */
#define SIM_BIO_CORRUPT_STRUCT_SIZE 4  /* struct_size of another SDK version */
#define SIM_BIO_CORRUPT_QUALITY 5      /* quality 250 */
#define SIM_BIO_CORRUPT_JPEG 6         /* JPEG without its EOI marker (truncated transfer) */

/* Restores every device and the person to the defaults: plugged, no pending hang/failure, env timings. */
void sim_bio_reset_all(void);
/* The version bio_get_version reports and bio_init checks against (BIO_SDK_MAKE_VERSION packed). */
void sim_bio_set_version(int32_t version);

int32_t sim_bio_unplug(const char *serial);
int32_t sim_bio_replug(const char *serial);
/* The next blocking call (except bio_reset/bio_close) hangs, see SIM_BIO_HANG_*. */
int32_t sim_bio_hang_next(const char *serial, int32_t mode);
/* The next blocking call (except bio_reset/bio_close) fails with this bio_status after its latency. */
int32_t sim_bio_fail_next(const char *serial, int32_t status);
int32_t sim_bio_corrupt_next(const char *serial, int32_t kind);
int32_t sim_bio_set_timing(const char *serial, int32_t open_ms, int32_t op_ms, int32_t place_ms, int32_t preview_frames,
                           int32_t reset_ms);
int32_t sim_bio_set_static_frames(const char *serial, int32_t enabled);

/* Scanner: quality of finger `position` (1..10), 0 = every finger, -1 = the palm. */
int32_t sim_bio_set_quality(const char *serial, int32_t position, int32_t quality);
/* Scanner: whether the person places anything, uses the other hand, presents a fake finger. */
int32_t sim_bio_set_person(const char *serial, int32_t places, int32_t wrong_hand, int32_t spoof);
int32_t sim_bio_set_finger_missing(const char *serial, int32_t position, int32_t missing);
/* Scanner: the next slap shows `position` in place of its last finger. */
int32_t sim_bio_duplicate_finger_once(const char *serial, int32_t position);

/* Camera: who stands in front of it and how far off the room light is, in stops. */
int32_t sim_bio_set_subject(const char *serial, int32_t present, int32_t eyes_open, int32_t frontal, double lighting_stops);

/* Counters since the last sim_bio_reset_all: out[0] blocking calls, [1] cancels, [2] resets, [3] opens, [4] closes. */
int32_t sim_bio_stats(const char *serial, int32_t *out, int32_t count);
/* Library counters since the last sim_bio_reset_all: out[0] bio_init calls that succeeded, [1] bio_shutdown calls, [2] initialised now (0/1). */
int32_t sim_bio_library_stats(int32_t *out, int32_t count);

#ifdef __cplusplus
}
#endif

#endif /* SIM_BIO_CONTROLS_H */
