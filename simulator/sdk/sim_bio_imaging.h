/*
 * Synthetic images for the simulated BioSDK: 500 ppi fingerprints and palms whose ridge contrast
 * follows the quality asked for, grayscale passport-style portraits, and a baseline JPEG encoder.
 * Internal to libbooth_bio_sdk.so (hidden visibility); the TypeScript simulators have their own.
 */
#ifndef SIM_BIO_IMAGING_H
#define SIM_BIO_IMAGING_H

#include <stddef.h>
#include <stdint.h>

#define SIM_HIDDEN __attribute__((visibility("hidden")))

#define SLAP_W 1600 /* 3.2 x 3.0 in at 500 ppi */
#define SLAP_H 1500
#define FLAT_W 400
#define FLAT_H 500
#define PALM_W 2000 /* 4.0 x 4.8 in at 500 ppi */
#define PALM_H 2400
#define PORTRAIT_W 1200
#define PORTRAIT_H 1600

typedef struct img_box {
  int x, y, width, height;
} img_box;

/* One fingertip on the platen: centre, half axes, rotation (radians), quality 0..100. */
typedef struct img_finger {
  double cx, cy, a, b, rot;
  int quality;
} img_finger;

/* Fills a white W x H canvas with the fingertips. */
SIM_HIDDEN void img_render_fingers(uint8_t *pixels, int width, int height, const img_finger *fingers, int count,
                                   uint32_t seed);
/* The bounding box of a fingertip, clipped to the image. */
SIM_HIDDEN img_box img_finger_box(const img_finger *finger, int width, int height);
/* The platen position of slot `slot` (0 = leftmost) in a four-finger slap (right hand: index
 * leftmost; left hand: little finger leftmost), a two-thumb slap (left thumb leftmost) or a flat capture. */
SIM_HIDDEN img_finger img_slap_slot(int thumbs, int right_hand, int slot);
SIM_HIDDEN img_finger img_flat_slot(void);
SIM_HIDDEN void img_render_palm(uint8_t *pixels, int width, int height, int quality, uint32_t seed);
/* Box-filter reduction by an integer factor; dst gets (width/factor) x (height/factor). */
SIM_HIDDEN void img_downscale(const uint8_t *src, int width, int height, int factor, uint8_t *dst);

typedef struct img_portrait {
  int present, eyes_open, frontal;
  double exposure_stops; /* what reaches the sensor after exposure compensation */
  uint32_t seed;
  /* out: iris centres, left to right */
  double eye_x[2], eye_y[2];
} img_portrait;

/* Fills the eye centres for a portrait `width` pixels wide (0 when no face is present). */
SIM_HIDDEN void img_portrait_eyes(int width, img_portrait *portrait);
/* Grayscale portrait of any size (geometry scales with width/1200); fills the eye centres too. */
SIM_HIDDEN void img_render_portrait(uint8_t *gray, int width, int height, img_portrait *portrait);

/* A growable byte buffer. */
typedef struct img_bytes {
  uint8_t *data;
  size_t length, capacity;
} img_bytes;

/* Encodes a grayscale image as a baseline JFIF JPEG (quality 1..100) into out (reset first). 0 on success. */
SIM_HIDDEN int img_encode_jpeg_gray(const uint8_t *gray, int width, int height, int quality, img_bytes *out);

#endif
