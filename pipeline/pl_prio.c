/* Stage priorities: how far the stages feeding the encoders stand below them, following what else
 * runs on the machine. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/pl_internal.h"

/* Levels above worker_nice. Shared: upstream stages one weight class
 * below the encoders, so a program in the same session that competes for
 * the cores does not starve them (the steep levels would hand it the cores).
 * Alone: the encoders' threads (x264's lookahead thread gates every frame
 * thread) take the cores whenever they can run, and decode and convert fill
 * what is left. */
static const int shared_add[PL_PRIO_KINDS] = {[PL_PRIO_DECODE] = 5, [PL_PRIO_CONVERT] = 3};
static const int alone_add[PL_PRIO_KINDS] = {
    [PL_PRIO_DECODE] = 15, [PL_PRIO_CONVERT] = 12, [PL_PRIO_AUDIO_ENCODE] = 10};

int pl_prio_nice(int worker_nice, pl_prio_kind kind, bool alone) {
  int n = worker_nice + (alone ? alone_add : shared_add)[kind];
  return n > 19 ? 19 : n;
}

bool pl_prio_decide(bool alone, double others_cpus) {
  /* Between the two thresholds the level stays: a brief job elsewhere
   * (a shell, a compiler's last file) does not flip it back and forth. */
  if (alone) return others_cpus < PL_PRIO_SHARED_AT;
  return others_cpus < PL_PRIO_ALONE_BELOW;
}

static bool read_machine(uint64_t *busy, uint64_t *total) {
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return false;
  unsigned long long v[8] = {0};
  int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                 &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  if (n < 4) return false;
  /* user nice system idle iowait irq softirq steal */
  *busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  *total = *busy + v[3] + v[4];
  return true;
}

static bool read_self(uint64_t *ticks) {
  char buf[1024];
  FILE *f = fopen("/proc/self/stat", "r");
  if (!f) return false;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  /* The command name may hold spaces and parentheses: fields follow the last ')'. */
  const char *p = strrchr(buf, ')');
  unsigned long long ut, st;
  if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return false;
  *ticks = ut + st;
  return true;
}

bool pl_prio_sample(pl_prio *s, uint64_t now_ns) {
  if (s->off || (s->at_ns && now_ns - s->at_ns < PL_PRIO_PERIOD_NS)) return false;
  uint64_t busy, total, mine;
  if (!read_machine(&busy, &total) || !read_self(&mine)) {
    s->off = true; /* no /proc: the shared levels stay */
    return false;
  }
  bool had = s->at_ns != 0;
  uint64_t d_busy = busy - s->busy, d_total = total - s->total, d_mine = mine - s->mine;
  s->busy = busy;
  s->total = total;
  s->mine = mine;
  s->at_ns = now_ns;
  if (!had || d_total == 0) return false;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  double others = d_busy > d_mine ? (double)(d_busy - d_mine) / (double)d_total : 0;
  s->others_cpus = others * (double)(cpus > 0 ? cpus : 1);
  bool alone = pl_prio_decide(s->alone, s->others_cpus);
  if (alone == s->alone) return false;
  s->alone = alone;
  return true;
}
