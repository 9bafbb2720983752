/* MP3's bit reservoir across a segment join: where to cut, and the borrowed bytes moved over. */
#include <string.h>

#include "pipeline/pl_segments.h"

/*
 * A Layer III frame's main data may begin up to main_data_begin bytes
 * before its own main-data area, in the areas of the frames before it
 * (the "reservoir"). At a join the frames before are another encoder's, so
 * the first frame of the next segment would read foreign bytes. But the
 * previous segment's own frame at that position did not use the bytes it
 * had borrowed either: those mdb(prev, J) bytes at the end of the previous
 * segment's areas are free once its frame J is dropped. When the next
 * segment's frame J borrows no more (mdb(next, J) <= mdb(prev, J)), its
 * borrowed bytes are copied into that free tail and the joined stream
 * decodes exactly as the next segment's own stream from J on. Where no
 * frame near the boundary fits, the previous segment's last frame takes a
 * higher bitrate and the room that gives.
 */

/* The main-data area of one frame (one packet): its offset, and the
 * frame's main_data_begin. -1 when p is not a Layer III frame. */
static int frame_area(const AVPacket *p, int *area, int *mdb) {
  const uint8_t *d = p->data;
  if (p->size < 4 || d[0] != 0xff || (d[1] & 0xe0) != 0xe0 || ((d[1] >> 1) & 3) != 1) return -1;
  bool mpeg1 = ((d[1] >> 3) & 3) == 3, mono = (d[3] >> 6) == 3, crc = !(d[1] & 1);
  int side = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17);
  int at = 4 + (crc ? 2 : 0);
  if (p->size < at + side) return -1;
  *mdb = mpeg1 ? (d[at] << 1) | (d[at + 1] >> 7) : d[at];
  *area = at + side;
  return 0;
}

/* Copies the last n bytes of the areas of src[0..ns) over the last n bytes
 * of the areas of dst[0..nd) (both lists end right before frame J). */
static int move_tail(AVPacket **dst, int nd, AVPacket **src, int ns, int n) {
  int di = nd - 1, si = ns - 1, dend = 0, send = 0, mdb;
  int darea = 0, sarea = 0;
  while (n > 0) {
    if (di < 0 || si < 0) return -1;
    if (!dend) {
      if (frame_area(dst[di], &darea, &mdb) < 0 || av_packet_make_writable(dst[di]) < 0) return -1;
      dend = dst[di]->size;
    }
    if (!send) {
      if (frame_area(src[si], &sarea, &mdb) < 0) return -1;
      send = src[si]->size;
    }
    int take = n, dfree = dend - darea, sfree = send - sarea;
    if (take > dfree) take = dfree;
    if (take > sfree) take = sfree;
    memcpy(dst[di]->data + dend - take, src[si]->data + send - take, (size_t)take);
    dend -= take;
    send -= take;
    n -= take;
    if (dend == darea) di--, dend = 0;
    if (send == sarea) si--, send = 0;
  }
  return 0;
}

/* Frame bytes for a bitrate index, or 0 (free format, invalid). */
static int frame_bytes(const uint8_t *d, int bitrate_index) {
  static const int kbps[2][16] = {
      {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0},
      {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}};
  static const int rates[4] = {44100, 48000, 32000, 0};
  int version = (d[1] >> 3) & 3; /* 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5 */
  bool mpeg1 = version == 3;
  int rate = rates[(d[2] >> 2) & 3];
  if (!rate || version == 1) return 0;
  if (!mpeg1) rate /= version == 2 ? 2 : 4;
  int br = kbps[mpeg1 ? 0 : 1][bitrate_index];
  return br ? (mpeg1 ? 144 : 72) * br * 1000 / rate + ((d[2] >> 1) & 1) : 0;
}

/* Makes room for `need` more bytes at the end of the frame in p by giving
 * it the next bitrate that holds them (a frame may have its own bitrate,
 * as in any VBR stream); the new bytes are zero. */
static int grow_frame(AVPacket *p, int need) {
  uint8_t *d = p->data;
  if (!(d[1] & 1)) return -1; /* a CRC covers the header */
  int idx = d[2] >> 4, size = frame_bytes(d, idx);
  if (size != p->size) return -1;
  for (int i = idx + 1; i < 15; i++) {
    int grown = frame_bytes(d, i);
    if (grown - size < need) continue;
    if (av_packet_make_writable(p) < 0 || av_grow_packet(p, grown - size) < 0) return -1;
    memset(p->data + size, 0, (size_t)(grown - size));
    p->data[2] = (uint8_t)((p->data[2] & 0x0f) | (i << 4));
    return 0;
  }
  return -1;
}

static int index_at(const pl_seg_part *s, int64_t pts) {
  for (int i = 0; i < s->n; i++)
    if (s->pts[i] == pts) return i;
  return -1;
}

int64_t pl_seg_mp3_join(const pl_seg_part *prev, const pl_seg_part *next, int64_t nominal,
                        int frame_size, int range, int *deficit) {
  int64_t best = INT64_MIN;
  int best_short = 1 << 30;
  for (int t = 0; t <= 2 * range; t++) {
    int d = t & 1 ? (t + 1) / 2 : -(t / 2);
    int64_t j = nominal + (int64_t)d * frame_size;
    int ip = index_at(prev, j), in = index_at(next, j), a, mp, mn;
    /* Both segments need frame J, and the next one the frames its borrowed bytes sit in. */
    if (ip < 1 || in < 2) continue;
    if (frame_area(prev->pkt[ip], &a, &mp) < 0 || frame_area(next->pkt[in], &a, &mn) < 0) continue;
    int shortfall = mn - mp;
    if (shortfall < best_short) {
      best_short = shortfall;
      best = j;
    }
    if (shortfall <= 0) break;
  }
  if (best == INT64_MIN) return best;
  int ip = index_at(prev, best), in = index_at(next, best), a, mn;
  frame_area(next->pkt[in], &a, &mn);
  *deficit = best_short > 0 ? best_short : 0;
  /* No frame in range fits: the previous segment's last frame grows. */
  if (*deficit && grow_frame(prev->pkt[ip - 1], *deficit) == 0) *deficit = 0;
  if (move_tail(prev->pkt, ip, next->pkt, in, mn - *deficit) < 0) return INT64_MIN;
  return best;
}
