/* Isolate churn: 1,000 run calls in a burst, then 10,000 isolates spawned and joined in sequence,
 * without growth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isopipe/isolate.h"

#include "rel_util.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LD_SANITIZED 1
#endif
#endif
#ifndef LD_SANITIZED
#define LD_SANITIZED 0
#endif

#define LD_BURST 1000
#define LD_SPAWNS 10000

/* An iso_fn owns its argument. */
static iso_value *ld_add_one(iso_value *arg) {
  int64_t n = iso_as_int(arg);
  iso_value_free(arg);
  return iso_int(n + 1);
}

static int ld_burst(void) {
  iso_port *port = iso_port_new();
  iso_sendport *sp = iso_port_sendport(port);
  int failures = 0;
  for (int i = 0; i < LD_BURST; i++)
    if (iso_run_async(ld_add_one, iso_int(i), sp) != ISO_OK) failures++;
  int64_t sum = 0;
  int got = 0;
  for (; got < LD_BURST - failures; got++) {
    iso_value *msg = NULL;
    if (iso_port_next(port, 120ull * 1000000000ull, &msg) != ISO_OK) break;
    const char *tag = iso_as_str(iso_list_at(msg, 0));
    if (tag && strcmp(tag, "ok") == 0)
      sum += iso_as_int(iso_list_at(msg, 1));
    else
      failures++;
    iso_value_free(msg);
  }
  iso_sendport_release(sp);
  iso_port_close(port);
  int64_t want = (int64_t)LD_BURST * (LD_BURST + 1) / 2;
  if (got != LD_BURST || sum != want) {
    printf("FAIL: burst: %d of %d results, sum %lld (want %lld)\n", got, LD_BURST, (long long)sum,
           (long long)want);
    failures++;
  }
  /* The blocking form too, a smaller burst. */
  for (int i = 0; i < 100; i++) {
    iso_value *res = NULL;
    iso_error err = {0};
    if (iso_run(ld_add_one, iso_int(i), &res, &err) != ISO_OK || iso_as_int(res) != i + 1) {
      printf("FAIL: iso_run %d: %s\n", i, err.message ? err.message : "wrong result");
      failures++;
    }
    iso_value_free(res);
    iso_error_clear(&err);
  }
  printf("burst: %d iso_run_async + 100 iso_run calls, %d failures\n", LD_BURST, failures);
  return failures;
}

static void ld_entry(iso_value *msg) {
  iso_value_free(msg);
}

static int ld_spawns(void) {
  int failures = 0;
  long rss_warm = 0;
  for (int i = 0; i < LD_SPAWNS; i++) {
    if (i == LD_SPAWNS / 10) rss_warm = rel_current_rss_kb();
    iso_isolate *iso = NULL;
    if (iso_spawn(ld_entry, iso_int(i), NULL, &iso) != ISO_OK) {
      failures++;
      continue;
    }
    if (iso_isolate_join(iso, 30ull * 1000000000ull) != ISO_OK) failures++;
    iso_isolate_release(iso);
  }
  long rss_end = rel_current_rss_kb();
  long growth = rss_end - rss_warm;
  printf("spawn: %d isolates spawned and joined in sequence, %d failures, RSS %ld -> %ld KiB "
         "(growth %ld KiB after the first %d)%s\n",
         LD_SPAWNS, failures, rss_warm, rss_end, growth, LD_SPAWNS / 10,
         LD_SANITIZED ? " [sanitizer build: growth not asserted, leaks checked at exit]" : "");
  /* 9,000 isolates: a leak of even 1 KiB each would be ~9 MiB. */
  if (!LD_SANITIZED && growth > 4096) {
    printf("FAIL: RSS grew by %ld KiB over %d spawns\n", growth, LD_SPAWNS - LD_SPAWNS / 10);
    failures++;
  }
  return failures;
}

int main(void) {
  if (iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) return 1;
  int failures = ld_burst();
  failures += ld_spawns();
  iso_runtime_shutdown();
  printf("%s\n", failures ? "FAILED" : "OK");
  return failures ? 1 : 0;
}
