/*
 * Synthetic biometric images for the simulated BioSDK (see sim_bio_imaging.h).
 *
 * Fingerprints: ridges are the level lines of a scalar field per pattern (distance to the core
 * for whorls, to a bar for loops, a bump for arches), bent by smooth value noise. Quality drives
 * ridge depth, edge sharpness, sensor noise and smudges, so a low-quality finger really has less
 * ridge/valley contrast, as the contract tests check.
 * JPEG: baseline sequential, one component, float AAN DCT, Annex K tables (ITU-T T.81).
 */
#include "sim_bio_imaging.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TAU 6.283185307179586

/* ---------------------------------------------------------------- random numbers and noise */

typedef struct rng {
  uint32_t state;
} rng;

static double rng_next(rng *r) { /* mulberry32 */
  uint32_t t = (r->state += 0x6d2b79f5u);
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return (double)(t ^ (t >> 14)) / 4294967296.0;
}

#define NOISE_SIZE 65536
static float g_gauss[NOISE_SIZE];
static pthread_once_t g_gauss_once = PTHREAD_ONCE_INIT;

static void init_gauss(void) {
  rng r = {0x5eed1234u};
  for (int i = 0; i < NOISE_SIZE; i++) {
    g_gauss[i] = (float)((rng_next(&r) + rng_next(&r) + rng_next(&r) + rng_next(&r) - 2.0) * 1.7320508);
  }
}

/* Value noise in [-1, 1]: random lattice values, smoothstep-bilinear in between. */
typedef struct vnoise {
  int cell, gw, gh;
  float *grid;
} vnoise;

static int vnoise_init(vnoise *n, rng *r, int width, int height, int cell) {
  n->cell = cell;
  n->gw = width / cell + 2;
  n->gh = height / cell + 2;
  n->grid = malloc(sizeof(float) * (size_t)n->gw * (size_t)n->gh);
  if (!n->grid) return -1;
  for (int i = 0; i < n->gw * n->gh; i++) n->grid[i] = (float)(rng_next(r) * 2.0 - 1.0);
  return 0;
}

static inline float vnoise_at(const vnoise *n, int x, int y) {
  float fx = (float)x / (float)n->cell, fy = (float)y / (float)n->cell;
  int ix = (int)fx, iy = (int)fy;
  if (ix < 0) ix = 0;
  if (iy < 0) iy = 0;
  if (ix > n->gw - 2) ix = n->gw - 2;
  if (iy > n->gh - 2) iy = n->gh - 2;
  float tx = fx - (float)ix, ty = fy - (float)iy;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  const float *row0 = n->grid + iy * n->gw + ix, *row1 = row0 + n->gw;
  float top = row0[0] + (row0[1] - row0[0]) * tx;
  float bottom = row1[0] + (row1[1] - row1[0]) * tx;
  return top + (bottom - top) * ty;
}

static inline double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }
static inline uint8_t to_byte(double v) { return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v; }

/* ---------------------------------------------------------------- fingerprints */

typedef struct ridge_style {
  float lut[256]; /* ink 0..1 by ridge phase */
  double depth, sigma, smudge_threshold;
} ridge_style;

static void make_style(ridge_style *s, int quality, rng *r) {
  double q = clamp01(quality / 100.0);
  double defect = pow(1 - q, 1.5);
  double sharp = 0.8 + 1.8 * q;
  double bias = (rng_next(r) - 0.5) * 0.6 * (1 - q); /* wet or dry finger */
  for (int k = 0; k < 256; k++) s->lut[k] = (float)clamp01(0.5 + 0.5 * sharp * (cos(TAU * k / 256.0) + bias));
  s->depth = 60 + 170 * q;
  s->sigma = 3 + 26 * (1 - q);
  s->smudge_threshold = 0.9 - 1.6 * defect;
}

img_box img_finger_box(const img_finger *f, int width, int height) {
  double c = cos(f->rot), s = sin(f->rot);
  double ex = sqrt(f->a * f->a * c * c + f->b * f->b * s * s);
  double ey = sqrt(f->a * f->a * s * s + f->b * f->b * c * c);
  int x0 = (int)floor(f->cx - ex), x1 = (int)ceil(f->cx + ex), y0 = (int)floor(f->cy - ey), y1 = (int)ceil(f->cy + ey);
  if (x0 < 0) x0 = 0;
  if (y0 < 0) y0 = 0;
  if (x1 > width) x1 = width;
  if (y1 > height) y1 = height;
  img_box box = {x0, y0, x1 - x0, y1 - y0};
  return box;
}

static void draw_finger(uint8_t *pixels, int width, int height, const img_finger *f, uint32_t seed) {
  rng r = {seed};
  ridge_style style;
  make_style(&style, f->quality, &r);
  img_box box = img_finger_box(f, width, height);
  double c = cos(f->rot), s = sin(f->rot);
  double period = 9 + rng_next(&r) * 1.2, inv_period = 1 / period;
  int kind = (int)(rng_next(&r) * 3); /* 0 arch, 1 loop, 2 whorl */
  double core_u = (rng_next(&r) - 0.5) * 0.25 * f->a, core_v = -0.12 * f->b;
  double loop_dir = (rng_next(&r) < 0.5 ? -1 : 1) * (0.6 + rng_next(&r) * 0.4);
  double lx = sin(loop_dir), ly = cos(loop_dir), bar = 3 * f->a;
  double twist = rng_next(&r) < 0.6 ? period / TAU : 0;
  double arch_h = (0.3 + 0.2 * rng_next(&r)) * f->b, arch_s2 = (0.5 * f->a) * (0.5 * f->a);
  vnoise warp, blotch;
  if (vnoise_init(&warp, &r, width, height, 60) != 0) return;
  if (vnoise_init(&blotch, &r, width, height, 45) != 0) {
    free(warp.grid);
    return;
  }
  double ia = 1 / f->a, ib = 1 / f->b;
  for (int y = box.y; y < box.y + box.height; y++) {
    uint32_t noise_offset = (uint32_t)(rng_next(&r) * NOISE_SIZE);
    uint8_t *row = pixels + (size_t)y * (size_t)width;
    for (int x = box.x; x < box.x + box.width; x++) {
      double dx = x - f->cx, dy = y - f->cy;
      double u = dx * c + dy * s, v = -dx * s + dy * c; /* finger frame, v toward the palm */
      double nu = u * ia, nv = v * ib;
      double e = nu * nu + nv * nv;
      if (e >= 1) continue;
      double field;
      double pu = u - core_u, pv = v - core_v;
      if (kind == 0) {
        field = v + arch_h * exp(-(u * u) / arch_s2);
      } else if (kind == 1) {
        /* distance to the bar from the core along the loop direction: U-shaped ridges */
        double t = pu * lx + pv * ly;
        if (t < 0) t = 0;
        if (t > bar) t = bar;
        double qx = pu - t * lx, qy = pv - t * ly;
        field = sqrt(qx * qx + qy * qy);
      } else {
        field = sqrt(pu * pu + pv * pv * 0.8) + twist * atan2(pv, pu);
      }
      double bl = vnoise_at(&blotch, x, y);
      field += 7 * vnoise_at(&warp, x, y);
      double phase = field * inv_period;
      double ink = style.lut[(int)((phase - floor(phase)) * 256) & 255];
      ink += (0.5 - ink) * clamp01((bl - style.smudge_threshold) * 3);
      double edge = clamp01((1 - e) * 9);
      double value = 255.5 - style.depth * edge * ink + style.sigma * edge * g_gauss[(noise_offset + (uint32_t)x) & (NOISE_SIZE - 1)];
      uint8_t byte = to_byte(value);
      if (byte < row[x]) row[x] = byte; /* darkest ink wins where fingers overlap */
    }
  }
  free(warp.grid);
  free(blotch.grid);
}

void img_render_fingers(uint8_t *pixels, int width, int height, const img_finger *fingers, int count, uint32_t seed) {
  pthread_once(&g_gauss_once, init_gauss);
  memset(pixels, 255, (size_t)width * (size_t)height);
  for (int i = 0; i < count; i++) draw_finger(pixels, width, height, &fingers[i], seed * 2654435761u + (uint32_t)i * 97u + 1u);
}

img_finger img_slap_slot(int thumbs, int right_hand, int slot) {
  img_finger f;
  if (thumbs) {
    /* left thumb on the left of the platen, right thumb on the right, tilted inwards */
    f.cx = slot == 0 ? 470 : 1130;
    f.cy = 760;
    f.a = 150;
    f.b = 235;
    f.rot = slot == 0 ? 0.22 : -0.22;
    f.quality = 70;
    return f;
  }
  /* four fingers: index .. little from the thumb side; the little finger is smaller and lower */
  static const double tip_y[4] = {560, 470, 540, 700}, half_w[4] = {122, 128, 120, 102}, half_h[4] = {215, 235, 220, 180};
  static const double slant[4] = {0.12, 0.03, -0.05, -0.14};
  int finger = right_hand ? slot : 3 - slot; /* a right hand has its index leftmost in the image */
  f.cx = 260 + slot * 360;
  f.cy = tip_y[finger];
  f.a = half_w[finger];
  f.b = half_h[finger];
  f.rot = right_hand ? slant[finger] : -slant[finger];
  f.quality = 70;
  return f;
}

img_finger img_flat_slot(void) {
  img_finger f = {200, 240, 160, 220, 0, 70};
  return f;
}

void img_render_palm(uint8_t *pixels, int width, int height, int quality, uint32_t seed) {
  pthread_once(&g_gauss_once, init_gauss);
  rng r = {seed ^ 0x9a1e0000u};
  ridge_style style;
  make_style(&style, quality, &r);
  memset(pixels, 255, (size_t)width * (size_t)height);
  vnoise big, warp, blotch;
  if (vnoise_init(&big, &r, width, height, 380) != 0) return;
  if (vnoise_init(&warp, &r, width, height, 70) != 0) {
    free(big.grid);
    return;
  }
  if (vnoise_init(&blotch, &r, width, height, 60) != 0) {
    free(big.grid);
    free(warp.grid);
    return;
  }
  double cx = width / 2.0, cy = height * 0.52, ia = 1 / (width * 0.46), ib = 1 / (height * 0.47);
  double inv_period = 1 / (9.5 + rng_next(&r)), tilt = 0.15 + rng_next(&r) * 0.2;
  double life_x = width * 0.95, life_y = height * 0.72, life_r = width * 0.44;
  for (int y = 0; y < height; y++) {
    double ny = (y - cy) * ib;
    if (ny * ny >= 1) continue;
    double ny4 = ny * ny * ny * ny;
    uint32_t noise_offset = (uint32_t)(rng_next(&r) * NOISE_SIZE);
    uint8_t *row = pixels + (size_t)y * (size_t)width;
    for (int x = 0; x < width; x++) {
      double nx = (x - cx) * ia;
      double e = nx * nx * nx * nx + ny4; /* superellipse: a palm is boxier than an ellipse */
      if (e >= 1) continue;
      double bg = vnoise_at(&big, x, y), wp = vnoise_at(&warp, x, y), bl = vnoise_at(&blotch, x, y);
      double field = y + tilt * x + 110 * bg + 6 * wp;
      double phase = field * inv_period;
      double ink = style.lut[(int)((phase - floor(phase)) * 256) & 255];
      /* the three flexion creases are ridge-free bands */
      double X = (double)x / width, yw = y + 45 * bg;
      double d1 = fabs(yw - height * (0.2 + 0.1 * X - 0.12 * (X - 0.6) * (X - 0.6))) + (X < 0.14 ? (0.14 - X) * 400 : 0);
      double d2 = fabs(yw - height * (0.34 + 0.12 * X * X)) + (X > 0.68 ? (X - 0.68) * 400 : 0);
      double d3 = fabs(hypot(x - life_x, yw - life_y) - life_r) + (y < height * 0.36 ? (height * 0.36 - y) * 0.5 : 0);
      double crease = fmin(d1, fmin(d2, d3)) - (7 + 5 * wp);
      if (crease < 4) ink *= clamp01(crease / 4);
      ink += (0.5 - ink) * clamp01((bl - style.smudge_threshold) * 3);
      double edge = clamp01((1 - e) * 9 + 0.3 * bl);
      double value = 255.5 - style.depth * edge * ink + style.sigma * edge * g_gauss[(noise_offset + (uint32_t)x) & (NOISE_SIZE - 1)];
      row[x] = to_byte(value);
    }
  }
  free(big.grid);
  free(warp.grid);
  free(blotch.grid);
}

void img_downscale(const uint8_t *src, int width, int height, int factor, uint8_t *dst) {
  int w = width / factor, h = height / factor, n = factor * factor;
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      unsigned sum = 0;
      for (int sy = 0; sy < factor; sy++) {
        const uint8_t *row = src + (size_t)(y * factor + sy) * (size_t)width + (size_t)x * (size_t)factor;
        for (int sx = 0; sx < factor; sx++) sum += row[sx];
      }
      dst[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)((sum + (unsigned)n / 2) / (unsigned)n);
    }
  }
}

/* ---------------------------------------------------------------- portraits */

/* Blends `value` into an ellipse with a one-pixel anti-aliased rim; shade darkens toward the rim. */
static void ellipse(float *canvas, int width, int height, double cx, double cy, double rx, double ry, double value,
                    double shade) {
  int x0 = (int)floor(cx - rx - 1), x1 = (int)ceil(cx + rx + 1), y0 = (int)floor(cy - ry - 1), y1 = (int)ceil(cy + ry + 1);
  if (x0 < 0) x0 = 0;
  if (y0 < 0) y0 = 0;
  if (x1 > width) x1 = width;
  if (y1 > height) y1 = height;
  double min_r = fmax(0.5, fmin(rx, ry));
  for (int y = y0; y < y1; y++) {
    for (int x = x0; x < x1; x++) {
      double nx = (x + 0.5 - cx) / rx, ny = (y + 0.5 - cy) / ry;
      double d = sqrt(nx * nx + ny * ny);
      double alpha = clamp01((1 - d) * min_r + 0.5);
      if (alpha <= 0) continue;
      double v = value * (1 - shade * d * d);
      float *p = canvas + (size_t)y * (size_t)width + (size_t)x;
      *p = (float)(*p + (v - *p) * alpha);
    }
  }
}

/* Head pose geometry shared by the renderer and the camera's checks. */
typedef struct face_layout {
  double k, cx, yaw, shift, eye_y, spread;
} face_layout;

static face_layout layout_of(int width, const img_portrait *p) {
  face_layout f;
  f.k = width / (double)PORTRAIT_W;
  f.cx = width / 2.0;
  f.yaw = p->frontal ? 0 : 0.35; /* about 20 degrees */
  f.shift = f.yaw * 260 * f.k;
  f.eye_y = 650 * f.k;
  f.spread = 130 * f.k;
  return f;
}

void img_portrait_eyes(int width, img_portrait *p) {
  face_layout f = layout_of(width, p);
  for (int side = 0; side < 2; side++) {
    p->eye_x[side] = p->present ? f.cx + f.shift + (side == 0 ? -f.spread : f.spread) * (1 - f.yaw * 0.35) : 0;
    p->eye_y[side] = p->present ? f.eye_y : 0;
  }
}

void img_render_portrait(uint8_t *gray, int width, int height, img_portrait *p) {
  pthread_once(&g_gauss_once, init_gauss);
  img_portrait_eyes(width, p);
  rng r = {p->seed};
  float *canvas = malloc(sizeof(float) * (size_t)width * (size_t)height);
  if (!canvas) {
    memset(gray, 128, (size_t)width * (size_t)height);
    return;
  }
  for (int y = 0; y < height; y++) {
    /* a uniform light background with a faint vertical gradient, as photo guidelines ask */
    for (int x = 0; x < width; x++) canvas[(size_t)y * (size_t)width + (size_t)x] = (float)(212 - 10.0 * y / height);
  }
  double skin = 150 + rng_next(&r) * 60, hair = 25 + rng_next(&r) * 80, iris = 45 + rng_next(&r) * 50;
  face_layout f = layout_of(width, p);
  double k = f.k, cx = f.cx;
  if (p->present) {
    ellipse(canvas, width, height, cx, height * 1.02, 520 * k, 330 * k, 70, 0.2);              /* shoulders */
    ellipse(canvas, width, height, cx, 1120 * k, 120 * k, 200 * k, skin * 0.9, 0.1);           /* neck */
    ellipse(canvas, width, height, cx + f.shift * 0.2, 600 * k, 330 * k, 360 * k, hair, 0.1);  /* hair */
    ellipse(canvas, width, height, cx + f.shift * 0.4, 720 * k, 285 * k, 380 * k, skin, 0.35); /* face */
    for (int side = 0; side < 2; side++) {
      double ex = p->eye_x[side], ey = p->eye_y[side];
      double far = (f.yaw > 0 && side == 0) ? 0.6 : 1.0; /* the far eye looks narrower when the head turns */
      double rx = 58 * k * far, ry = 27 * k;
      ellipse(canvas, width, height, ex, ey - 48 * k, rx * 1.1, 9 * k, hair * 0.8, 0); /* eyebrow */
      if (p->eyes_open) {
        ellipse(canvas, width, height, ex, ey, rx, ry, 235, 0.1);
        ellipse(canvas, width, height, ex, ey, 22 * k * far, 22 * k, iris, 0.2);
        ellipse(canvas, width, height, ex, ey, 9 * k * far, 9 * k, 15, 0);
        ellipse(canvas, width, height, ex + 6 * k, ey - 6 * k, 3 * k, 3 * k, 250, 0);
      } else {
        ellipse(canvas, width, height, ex, ey + 4 * k, rx, 5 * k, skin * 0.45, 0);
      }
    }
    ellipse(canvas, width, height, cx + f.shift * 1.2, 800 * k, 34 * k, 80 * k, skin * 0.82, 0.2); /* nose */
    ellipse(canvas, width, height, cx + f.shift, 935 * k, 95 * k, 22 * k, skin * 0.6, 0.2);        /* mouth */
  }
  double gain = pow(2.0, p->exposure_stops);
  for (int y = 0; y < height; y++) {
    uint32_t noise_offset = (uint32_t)(rng_next(&r) * NOISE_SIZE);
    for (int x = 0; x < width; x++) {
      size_t i = (size_t)y * (size_t)width + (size_t)x;
      gray[i] = to_byte(canvas[i] * gain + 2.0 * g_gauss[(noise_offset + (uint32_t)x) & (NOISE_SIZE - 1)] + 0.5);
    }
  }
  free(canvas);
}

/* ---------------------------------------------------------------- baseline JPEG (grayscale) */

static const uint8_t ZIGZAG[64] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                   12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                   35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                   58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};
static const uint8_t LUMA_Q[64] = {16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
                                   14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
                                   18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
                                   49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static const uint8_t DC_BITS[16] = {0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t DC_VALUES[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
static const uint8_t AC_BITS[16] = {0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d};
static const uint8_t AC_VALUES[162] = {
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14,
    0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09,
    0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
    0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65,
    0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
    0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
    0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
    0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
    0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa};

typedef struct huff {
  uint16_t code[256];
  uint8_t size[256];
} huff;

static void build_huff(huff *h, const uint8_t *bits, const uint8_t *values) {
  memset(h, 0, sizeof *h);
  unsigned code = 0;
  int k = 0;
  for (int len = 1; len <= 16; len++) {
    for (int i = 0; i < bits[len - 1]; i++) {
      h->code[values[k]] = (uint16_t)code++;
      h->size[values[k]] = (uint8_t)len;
      k++;
    }
    code <<= 1;
  }
}

typedef struct writer {
  img_bytes *out;
  uint32_t acc;
  int nbits;
  int failed;
} writer;

static void put_byte(writer *w, uint8_t b) {
  img_bytes *o = w->out;
  if (o->length == o->capacity) {
    size_t capacity = o->capacity ? o->capacity * 2 : 65536;
    uint8_t *bigger = realloc(o->data, capacity);
    if (!bigger) {
      w->failed = 1;
      return;
    }
    o->data = bigger;
    o->capacity = capacity;
  }
  o->data[o->length++] = b;
}

static void put_word(writer *w, unsigned v) {
  put_byte(w, (uint8_t)(v >> 8));
  put_byte(w, (uint8_t)(v & 0xff));
}

static void put_bits(writer *w, unsigned code, int len) {
  w->acc = (w->acc << len) | (code & ((1u << len) - 1));
  w->nbits += len;
  while (w->nbits >= 8) {
    uint8_t b = (uint8_t)(w->acc >> (w->nbits - 8));
    put_byte(w, b);
    if (b == 0xff) put_byte(w, 0); /* byte stuffing */
    w->nbits -= 8;
  }
  w->acc &= (1u << w->nbits) - 1;
}

static void put_value(writer *w, int value, int run, const huff *h) {
  int mag = value < 0 ? -value : value, size = 0;
  while (mag) {
    size++;
    mag >>= 1;
  }
  int symbol = (run << 4) | size;
  put_bits(w, h->code[symbol], h->size[symbol]);
  if (size) put_bits(w, (unsigned)(value < 0 ? value - 1 : value) & ((1u << size) - 1), size);
}

static void fdct(float *d) { /* separable AAN forward DCT, rows then columns */
  for (int pass = 0; pass < 2; pass++) {
    int step = pass == 0 ? 1 : 8, next = pass == 0 ? 8 : 1;
    for (int line = 0; line < 8; line++) {
      float *p = d + line * next;
      float t0 = p[0] + p[7 * step], t7 = p[0] - p[7 * step], t1 = p[step] + p[6 * step], t6 = p[step] - p[6 * step];
      float t2 = p[2 * step] + p[5 * step], t5 = p[2 * step] - p[5 * step], t3 = p[3 * step] + p[4 * step],
            t4 = p[3 * step] - p[4 * step];
      float t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
      p[0] = t10 + t11;
      p[4 * step] = t10 - t11;
      float z1 = (t12 + t13) * 0.707106781f;
      p[2 * step] = t13 + z1;
      p[6 * step] = t13 - z1;
      float u10 = t4 + t5, u11 = t5 + t6, u12 = t6 + t7;
      float z5 = (u10 - u12) * 0.382683433f, z2 = 0.5411961f * u10 + z5, z4 = 1.306562965f * u12 + z5;
      float z3 = u11 * 0.707106781f, z11 = t7 + z3, z13 = t7 - z3;
      p[5 * step] = z13 + z2;
      p[3 * step] = z13 - z2;
      p[step] = z11 + z4;
      p[7 * step] = z11 - z4;
    }
  }
}

static huff g_dc, g_ac;
static pthread_once_t g_huff_once = PTHREAD_ONCE_INIT;

static void init_huff(void) {
  build_huff(&g_dc, DC_BITS, DC_VALUES);
  build_huff(&g_ac, AC_BITS, AC_VALUES);
}

/* Writes a marker segment: marker, big-endian length (counting itself), payload. */
static void put_segment(writer *w, uint8_t marker, const uint8_t *payload, unsigned length) {
  put_byte(w, 0xff);
  put_byte(w, marker);
  put_word(w, length + 2);
  for (unsigned i = 0; i < length; i++) put_byte(w, payload[i]);
}

int img_encode_jpeg_gray(const uint8_t *gray, int width, int height, int quality, img_bytes *out) {
  pthread_once(&g_huff_once, init_huff);
  if (width <= 0 || height <= 0 || width > 65535 || height > 65535) return -1;
  out->length = 0;
  writer w = {out, 0, 0, 0};

  /* IJG quality scaling of the Annex K luminance table, and the AAN divisors. */
  int q = quality < 1 ? 1 : quality > 100 ? 100 : quality;
  int scale = q < 50 ? 5000 / q : 200 - 2 * q;
  uint8_t table[64];
  float divisors[64], aan[8];
  for (int i = 0; i < 8; i++) aan[i] = i == 0 ? 1.0f : (float)(cos(i * 3.141592653589793 / 16) * 1.4142135623730951);
  for (int i = 0; i < 64; i++) {
    int v = (LUMA_Q[i] * scale + 50) / 100;
    table[i] = (uint8_t)(v < 1 ? 1 : v > 255 ? 255 : v);
    divisors[i] = 1.0f / (table[i] * aan[i >> 3] * aan[i & 7] * 8.0f);
  }

  put_word(&w, 0xffd8); /* SOI */
  static const uint8_t jfif[14] = {'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
  put_segment(&w, 0xe0, jfif, sizeof jfif);
  uint8_t dqt[65];
  dqt[0] = 0;
  for (int k = 0; k < 64; k++) dqt[1 + k] = table[ZIGZAG[k]];
  put_segment(&w, 0xdb, dqt, sizeof dqt);
  uint8_t sof[9] = {8, (uint8_t)(height >> 8), (uint8_t)height, (uint8_t)(width >> 8), (uint8_t)width, 1, 1, 0x11, 0};
  put_segment(&w, 0xc0, sof, sizeof sof);
  uint8_t dht[1 + 16 + 12 + 1 + 16 + 162];
  unsigned n = 0;
  dht[n++] = 0x00;
  memcpy(dht + n, DC_BITS, 16), n += 16;
  memcpy(dht + n, DC_VALUES, 12), n += 12;
  dht[n++] = 0x10;
  memcpy(dht + n, AC_BITS, 16), n += 16;
  memcpy(dht + n, AC_VALUES, 162), n += 162;
  put_segment(&w, 0xc4, dht, n);
  static const uint8_t sos[6] = {1, 1, 0x00, 0, 63, 0};
  put_segment(&w, 0xda, sos, sizeof sos);

  float block[64];
  int zz[64], pred = 0;
  for (int by = 0; by < height; by += 8) {
    for (int bx = 0; bx < width; bx += 8) {
      for (int r = 0; r < 8; r++) {
        int y = by + r < height ? by + r : height - 1; /* replicate edges into partial blocks */
        const uint8_t *row = gray + (size_t)y * (size_t)width;
        for (int c = 0; c < 8; c++) block[r * 8 + c] = (float)row[bx + c < width ? bx + c : width - 1] - 128.0f;
      }
      fdct(block);
      for (int k = 0; k < 64; k++) {
        int natural = ZIGZAG[k];
        float v = block[natural] * divisors[natural];
        zz[k] = v < 0 ? -(int)(0.5f - v) : (int)(v + 0.5f);
      }
      int dc_value = zz[0] < -2047 ? -2047 : zz[0] > 2047 ? 2047 : zz[0];
      put_value(&w, dc_value - pred, 0, &g_dc);
      pred = dc_value;
      int run = 0;
      for (int k = 1; k < 64; k++) {
        int v = zz[k];
        if (v == 0) {
          run++;
          continue;
        }
        for (; run > 15; run -= 16) put_bits(&w, g_ac.code[0xf0], g_ac.size[0xf0]); /* ZRL */
        put_value(&w, v < -1023 ? -1023 : v > 1023 ? 1023 : v, run, &g_ac);
        run = 0;
      }
      if (run > 0) put_bits(&w, g_ac.code[0], g_ac.size[0]); /* EOB */
    }
  }
  if (w.nbits > 0) put_bits(&w, (1u << (8 - w.nbits)) - 1, 8 - w.nbits); /* pad with 1-bits */
  put_word(&w, 0xffd9); /* EOI */
  return w.failed ? -1 : 0;
}
