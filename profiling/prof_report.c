/* Wraps a stage's report into a movable message and unwraps it on main. */
#include "profiling/prof_internal.h"

iso_value *pl_prof_report(pl_prof *p, uint64_t now_ns) {
  pl_report *r = pl_prof_report_raw(p, now_ns);
  if (!r) return NULL;
  iso_counters c;
  iso_counters_get(&c);
  r->st.bytes_copied = c.bytes_copied;
  /* Reports are transfers too; count only the stage's own payloads. */
  r->st.transfers = c.transfers > r->reports_before ? c.transfers - r->reports_before : 0;
  return iso_transfer(r, pl_report_free, PL_TAG_PROF);
}

bool pl_stats_take(pl_stats *s, iso_value *msg) {
  if (!msg || iso_type(msg) != ISO_V_TRANSFER || iso_transfer_tag(msg) != PL_TAG_PROF) return false;
  uint32_t tag = 0;
  pl_report *r = iso_transfer_take(msg, &tag);
  iso_value_free(msg);
  if (r) pl_stats_take_report(s, r);
  return true;
}
