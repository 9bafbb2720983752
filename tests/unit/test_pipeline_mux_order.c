/* Unit tests of the muxer's order across inputs: which lane's packet goes next, and when it must
 * not wait. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pipeline/stages/mux_order.h"

/* Every running lane has a packet: the earliest goes. */
static void t_earliest(void **state) {
  (void)state;
  pl_mux_lane l[2] = {{.live = true, .has = true, .input = 0, .head_s = 1.0},
                      {.live = true, .has = true, .input = 1, .head_s = 0.5}};
  assert_int_equal(pl_mux_pick(l, 2, true), 1);
}

/* An empty lane of another input is waited for, even with a full lane:
 * that input's demux is not held back by the full one. */
static void t_waits_for_other_input(void **state) {
  (void)state;
  pl_mux_lane l[2] = {{.live = true, .has = true, .full = true, .input = 0, .head_s = 0.1},
                      {.live = true, .has = false, .input = 1}};
  assert_int_equal(pl_mux_pick(l, 2, true), -1);
  l[0].full = false;
  assert_int_equal(pl_mux_pick(l, 2, true), -1);
}

/* A full lane goes ahead of an empty lane of the same input (the packet
 * the empty one needs may be behind it in the file), and of an empty lane
 * fed by a filtergraph (-1), which may need any input's packets: waiting
 * for the graph's output while the audio fills its link would stop the
 * very demux the graph needs. */
static void t_full_lane_goes(void **state) {
  (void)state;
  pl_mux_lane same[2] = {{.live = true, .has = true, .full = true, .input = 0, .head_s = 0.1},
                         {.live = true, .has = false, .input = 0}};
  assert_int_equal(pl_mux_pick(same, 2, true), 0);
  pl_mux_lane graph[2] = {{.live = true, .has = true, .full = true, .input = 0, .head_s = 0.1},
                          {.live = true, .has = false, .input = -1}};
  assert_int_equal(pl_mux_pick(graph, 2, true), 0);
  graph[0].full = false;
  assert_int_equal(pl_mux_pick(graph, 2, true), -1);
}

/* With other outputs, a full lane always goes. */
static void t_not_alone(void **state) {
  (void)state;
  pl_mux_lane l[2] = {{.live = true, .has = true, .full = true, .input = 0, .head_s = 0.1},
                      {.live = true, .has = false, .input = 1}};
  assert_int_equal(pl_mux_pick(l, 2, false), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_earliest),
      cmocka_unit_test(t_waits_for_other_input),
      cmocka_unit_test(t_full_lane_goes),
      cmocka_unit_test(t_not_alone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
