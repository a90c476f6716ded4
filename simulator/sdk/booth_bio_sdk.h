/*
 * BioSDK 2.x — the C API of the booth's fingerprint/palm scanner and face camera.
 *
 * This is the API a vendor ships as a header plus a shared library. The library built from
 * simulator/sdk/ (libbooth_bio_sdk.so) implements it against simulated hardware, with extra
 * test controls declared in sim_bio_controls.h; the production drivers in drivers/biosdk-*
 * call exactly these functions through FFI and nothing else.
 *
 * Conventions
 * - Every function returns a bio_status (0 = BIO_OK, negative = error) unless said otherwise.
 *   After an error, bio_last_error(handle, ...) gives a human-readable reason. The message is
 *   kept per device handle (handle 0: library-level calls), NOT per thread: a host that runs
 *   calls on a thread pool reads it from another thread than the one that failed.
 * - Structs are fixed-size, naturally aligned, little-endian on the supported targets, and
 *   start with `struct_size` which the SDK fills: a host checks it before trusting the rest.
 *   Offsets are given in comments and asserted at compile time in the implementation.
 * - Blocking: functions marked [blocking] talk to the device and may take from milliseconds
 *   (bio_get_quality) to the whole capture timeout (bio_capture_*). Functions marked
 *   [non-blocking] return at once and may be called from any thread at any time, including
 *   while a blocking call runs on another thread (bio_cancel is the reason they exist).
 * - One blocking call per device at a time: a second one gets BIO_E_BUSY.
 * - Cancel: bio_cancel(handle) makes the blocking call in flight on that handle return
 *   BIO_E_CANCELLED as soon as it can. A device whose firmware is wedged may not notice;
 *   bio_reset(handle) then aborts the call with BIO_E_RESET and re-initialises the device.
 * - Hot-plug: a removed device fails its calls with BIO_E_NO_DEVICE and the event callback gets
 *   BIO_EVENT_REMOVED. Its handle stays dead after the device comes back: close it and open
 *   the serial again.
 *
 * Threads and callbacks
 * - bio_set_event_callback: called on the SDK's own event thread (started by bio_init).
 * - bio_set_frame_callback: scanner preview frames are delivered on the thread that runs the
 *   capture, while it runs, as GRAY8 at a quarter of the capture's resolution (125 ppi) with the
 *   segments found so far (boxes in preview pixels, instant quality); camera preview frames are
 *   small JPEGs delivered on the SDK's per-device preview thread.
 * - A callback must return promptly and must not call back into the SDK. The SDK holds no lock
 *   while it runs a callback, but bio_cam_stop_preview, bio_close and bio_shutdown wait for a
 *   callback in progress to return: do not call them from a thread the callback waits for.
 * - The data a callback receives is valid only until it returns.
 */
#ifndef BOOTH_BIO_SDK_H
#define BOOTH_BIO_SDK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BIO_SDK_MAKE_VERSION(major, minor, patch) (((major) << 16) | ((minor) << 8) | (patch))
#define BIO_SDK_VERSION_MAJOR 2
#define BIO_SDK_VERSION_MINOR 4
#define BIO_SDK_VERSION_PATCH 1
/** The API version this header describes; pass it to bio_init. */
#define BIO_SDK_VERSION BIO_SDK_MAKE_VERSION(BIO_SDK_VERSION_MAJOR, BIO_SDK_VERSION_MINOR, BIO_SDK_VERSION_PATCH)

typedef enum bio_status {
  BIO_OK = 0,
  BIO_E_NOT_INITIALIZED = -1, /* bio_init not called, or bio_shutdown already called */
  BIO_E_VERSION_MISMATCH = -2, /* the host was built against another major version */
  BIO_E_NO_DEVICE = -3,        /* unplugged, or no device with that serial */
  BIO_E_BUSY = -4,             /* another blocking call runs on this device / already open / already initialised */
  BIO_E_TIMEOUT = -5,          /* nothing was presented within the call's timeout */
  BIO_E_CANCELLED = -6,        /* bio_cancel was called */
  BIO_E_BUFFER_TOO_SMALL = -7, /* the result's *_bytes field says how much is needed */
  BIO_E_INVALID_ARGUMENT = -8,
  BIO_E_NOT_SUPPORTED = -9,    /* the device lacks the capability */
  BIO_E_HARDWARE = -10,        /* the device reported a failure (sensor, lamp, firmware) */
  BIO_E_RESET = -11,           /* the call was aborted by bio_reset or bio_close */
  BIO_E_BAD_HANDLE = -12,      /* not an open handle (closed, or dead after a removal) */
  BIO_E_INTERNAL = -13
} bio_status;

/* Device kinds and capability bits (bio_device_info). */
#define BIO_KIND_SCANNER 1
#define BIO_KIND_CAMERA 2

#define BIO_CAP_SLAP (1u << 0)
#define BIO_CAP_FLAT (1u << 1)
#define BIO_CAP_ROLLED (1u << 2)
#define BIO_CAP_PALM (1u << 3)
#define BIO_CAP_PREVIEW (1u << 4)
#define BIO_CAP_LIVENESS (1u << 5)
#define BIO_CAP_SEGMENTATION (1u << 6)
#define BIO_CAP_FACE_CHECKS (1u << 7)
#define BIO_CAP_EXPOSURE (1u << 8)

/* 128 bytes. */
typedef struct bio_device_info {
  uint32_t struct_size;  /*   0: sizeof(bio_device_info) */
  int32_t kind;          /*   4: BIO_KIND_* */
  uint32_t capabilities; /*   8: BIO_CAP_* bits */
  int32_t max_width;     /*  12: largest image the device returns, pixels */
  int32_t max_height;    /*  16 */
  int32_t ppi;           /*  20: scan resolution (scanner), 0 for a camera */
  char serial[32];       /*  24: NUL-terminated */
  char model[48];        /*  56: NUL-terminated */
  char firmware[24];     /* 104: NUL-terminated */
} bio_device_info;

/* Finger capture modes and slap targets (bio_capture_fingers). */
#define BIO_CAPTURE_SLAP 1
#define BIO_CAPTURE_FLAT 2
#define BIO_CAPTURE_ROLLED 3
#define BIO_CAPTURE_PALM 4 /* for bio_get_image_size only; palms are captured with bio_capture_palm */

#define BIO_SLAP_RIGHT_FOUR 1
#define BIO_SLAP_LEFT_FOUR 2
#define BIO_SLAP_TWO_THUMBS 3

#define BIO_HAND_UNKNOWN 0
#define BIO_HAND_RIGHT 1
#define BIO_HAND_LEFT 2
#define BIO_HAND_BOTH 3

#define BIO_MAX_SEGMENTS 10

/* One finger found in an image. 24 bytes. Positions are ANSI/NIST FGP codes 1..10. */
typedef struct bio_segment {
  int32_t position; /*  0 */
  int32_t quality;  /*  4: 0..100, NFIQ 2 style */
  int32_t x;        /*  8: bounding box in image pixels */
  int32_t y;        /* 12 */
  int32_t width;    /* 16 */
  int32_t height;   /* 20 */
} bio_segment;

/* 280 bytes. */
typedef struct bio_finger_result {
  uint32_t struct_size;                  /*  0 */
  int32_t width;                         /*  4 */
  int32_t height;                        /*  8 */
  int32_t ppi;                           /* 12 */
  uint32_t image_bytes;                  /* 16: bytes written (or needed, with BIO_E_BUFFER_TOO_SMALL) */
  int32_t hand;                          /* 20: BIO_HAND_* */
  int32_t live;                          /* 24: 1 live, 0 presentation attack suspected */
  int32_t liveness_score;                /* 28: 0..100 */
  int32_t segment_count;                 /* 32 */
  int32_t reserved;                      /* 36 */
  bio_segment segments[BIO_MAX_SEGMENTS]; /* 40: left to right in the image */
} bio_finger_result;

#define BIO_PALM_RIGHT_FULL 1
#define BIO_PALM_LEFT_FULL 2
#define BIO_PALM_RIGHT_WRITER 3
#define BIO_PALM_LEFT_WRITER 4

/* 32 bytes. The palm's quality comes from bio_get_quality(handle, BIO_WHOLE_IMAGE, ...). */
typedef struct bio_palm_result {
  uint32_t struct_size;   /*  0 */
  int32_t width;          /*  4 */
  int32_t height;         /*  8 */
  int32_t ppi;            /* 12 */
  uint32_t image_bytes;   /* 16 */
  int32_t live;           /* 20 */
  int32_t liveness_score; /* 24 */
  int32_t reserved;       /* 28 */
} bio_palm_result;

/* 40 bytes. */
typedef struct bio_portrait_result {
  uint32_t struct_size;    /*  0 */
  int32_t width;           /*  4 */
  int32_t height;          /*  8 */
  uint32_t jpeg_bytes;     /* 12: bytes written (or needed, with BIO_E_BUFFER_TOO_SMALL) */
  int32_t face_found;      /* 16: the checks below are -1 (not checked) when no face was found */
  int32_t eyes_open;       /* 20 */
  int32_t frontal;         /* 24 */
  int32_t exposure_ok;     /* 28 */
  int32_t eye_distance_px; /* 32 */
  int32_t reserved;        /* 36 */
} bio_portrait_result;

#define BIO_WHOLE_IMAGE (-1)

#define BIO_EVENT_ARRIVED 1
#define BIO_EVENT_REMOVED 2

#define BIO_FRAME_GRAY8 1 /* data: width*height bytes, row-major */
#define BIO_FRAME_JPEG 2  /* data: a complete baseline JPEG file */

#define BIO_EXPOSURE_AUTO 0
#define BIO_EXPOSURE_MANUAL 1

typedef void (*bio_event_cb)(const char *serial, int32_t event, void *user);
typedef void (*bio_frame_cb)(int32_t handle, int32_t format, const uint8_t *data, uint32_t bytes, int32_t width,
                             int32_t height, const bio_segment *segments, int32_t segment_count, void *user);

/* [non-blocking] The library's version, BIO_SDK_MAKE_VERSION packed. */
int32_t bio_get_version(void);
/* [blocking] Once per process. BIO_E_VERSION_MISMATCH when host_version's major differs;
 * BIO_E_BUSY when already initialised. Starts the event thread. */
int32_t bio_init(int32_t host_version);
/* [blocking] Closes every handle, stops the SDK's threads. */
int32_t bio_shutdown(void);
/* [non-blocking] cb (NULL to remove) gets hot-plug events on the event thread. */
int32_t bio_set_event_callback(bio_event_cb cb, void *user);

/* [blocking] Fills up to `capacity` entries; *count gets the number of devices present. */
int32_t bio_enumerate(bio_device_info *out, int32_t capacity, int32_t *count);
/* [blocking] Opens the device with this serial; *handle gets a positive handle. */
int32_t bio_open(const char *serial, int32_t *handle);
/* [blocking] Aborts a call in flight (BIO_E_RESET), stops the preview, frees the handle. */
int32_t bio_close(int32_t handle);
/* [blocking] Aborts a call in flight with BIO_E_RESET, waits for it to leave, re-initialises the device. */
int32_t bio_reset(int32_t handle);
/* [non-blocking] Asks the blocking call in flight on this handle to return BIO_E_CANCELLED. */
int32_t bio_cancel(int32_t handle);
/* [non-blocking] BIO_OK when the handle is open and its device present. */
int32_t bio_get_status(int32_t handle);
/* [non-blocking] Copies the last error message of `handle` (0: library-level) into buf, NUL-terminated. Returns its length. */
int32_t bio_last_error(int32_t handle, char *buf, int32_t capacity);
/* [non-blocking] cb (NULL to remove) gets this handle's preview frames. */
int32_t bio_set_frame_callback(int32_t handle, bio_frame_cb cb, void *user);

/* [blocking] Waits up to timeout_ms for the fingers to be placed, streaming GRAY8 preview frames,
 * then writes the 8-bit grayscale image into `image` and fills `result`. target: BIO_SLAP_* for a
 * slap, the FGP code 1..10 for a flat or rolled finger. */
int32_t bio_capture_fingers(int32_t handle, int32_t mode, int32_t target, int32_t timeout_ms, uint8_t *image,
                            uint32_t image_capacity, bio_finger_result *result);
/* [blocking] The same for a palm (BIO_PALM_*). */
int32_t bio_capture_palm(int32_t handle, int32_t palm, int32_t timeout_ms, uint8_t *image, uint32_t image_capacity,
                         bio_palm_result *result);
/* [non-blocking] The size of the image a capture of this mode and target returns (BIO_CAPTURE_*; for
 * BIO_CAPTURE_PALM the target is a BIO_PALM_* code), so the host can give the SDK an exact buffer. */
int32_t bio_get_image_size(int32_t handle, int32_t mode, int32_t target, int32_t *width, int32_t *height);
/* [blocking] Quality 0..100 of a segment of the last capture, or BIO_WHOLE_IMAGE for a palm. */
int32_t bio_get_quality(int32_t handle, int32_t segment, int32_t *quality);

/* [blocking] Captures a portrait as a baseline JPEG with the camera's ICAO-style checks. */
int32_t bio_cam_capture(int32_t handle, int32_t timeout_ms, uint8_t *jpeg, uint32_t jpeg_capacity,
                        bio_portrait_result *result);
/* [blocking] mode BIO_EXPOSURE_AUTO, or BIO_EXPOSURE_MANUAL with ev in -3..+3 (else BIO_E_INVALID_ARGUMENT). */
int32_t bio_cam_set_exposure(int32_t handle, int32_t mode, double ev);
/* [blocking] Starts JPEG preview frames every interval_ms on the SDK's preview thread. */
int32_t bio_cam_start_preview(int32_t handle, int32_t interval_ms);
/* [blocking] Stops them; when it returns, no further frame callback runs for this handle. */
int32_t bio_cam_stop_preview(int32_t handle);

#ifdef __cplusplus
}
#endif

#endif /* BOOTH_BIO_SDK_H */
