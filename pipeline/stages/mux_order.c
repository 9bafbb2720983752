/* The order in which a muxer fed by several inputs writes its streams' packets. */
#include "pipeline/stages/mux_order.h"

int pl_mux_pick(const pl_mux_lane *l, int n, bool alone) {
  int best = -1;
  bool all = true;
  for (int k = 0; k < n; k++) {
    if (!l[k].live) continue;
    if (!l[k].has) {
      all = false;
      continue;
    }
    if (best < 0 || l[k].head_s < l[best].head_s) best = k;
  }
  if (best < 0 || all) return best;
  /* A lane is empty: wait for it, unless that could wait forever. A full
   * lane's sender is blocked; when it is the same input's demux as an
   * empty lane's, that demux may hold the very packet the empty lane
   * needs behind the full one (a file whose streams are interleaved
   * loosely); a filtergraph's output may need any input's packets. With other outputs, their muxers
   * may hold packets this one waits for: then a full lane always goes ahead. */
  for (int f = 0; f < n; f++) {
    if (!l[f].live || !l[f].full) continue;
    if (!alone) return best;
    for (int e = 0; e < n; e++)
      if (l[e].live && !l[e].has && (l[e].input == l[f].input || l[e].input < 0)) return best;
  }
  return -1;
}
