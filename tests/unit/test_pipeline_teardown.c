/* Pipeline tests: a stage isolate that is killed (no handler of ours runs) still frees all its
 * state. */
#include "pipeline/pl_stage.h"
#include "test_pipeline_util.h"

static char g_dir[512];

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

/* A one-node job for a stage of the given kind, as main holds it. */
static pl_job *one_node_job(pl_node_kind kind, const char *name) {
  pl_job *j = pl_job_new();
  assert_non_null(j);
  char out[1024], err[256];
  tm_path(out, sizeof out, g_dir, "never.mkv");
  assert_int_equal(pl_job_set(j, "o", out, err, sizeof err), ISO_OK);
  assert_int_equal(pl_job_set(j, "i", "/nonexistent/in.mkv", err, sizeof err), ISO_OK);
  j->info.nstreams = 1;
  j->info.st[0].type = AVMEDIA_TYPE_AUDIO;
  j->nout = 1;
  j->out[0] = (pl_out_stream){
      .in_index = 0, .type = AVMEDIA_TYPE_AUDIO, .dec_node = -1, .conv_node = -1, .enc_node = -1};
  j->nnodes = 1;
  j->node[0] = (pl_node){.kind = kind, .out_stream = kind == PL_N_MUX ? -1 : 0, .down_node = -1};
  snprintf(j->node[0].name, sizeof j->node[0].name, "%s", name);
  return j;
}

/* Spawns the stage, waits for its READY, wires a sender into its input
 * link (so the link end is live when it dies), kills it and joins it. */
static void spawn_ready_kill(iso_entry entry, pl_node_kind kind, const char *name) {
  int before = pl_stage_live();
  iso_port *port = iso_port_new();
  assert_non_null(port);
  iso_sendport *sp = iso_port_sendport(port);
  pl_job *j = one_node_job(kind, name);
  pl_spawn *s = NULL;
  char err[256];
  assert_int_equal(pl_spawn_new(j, 0, sp, &s, err, sizeof err), ISO_OK);
  pl_job_free(j);
  iso_isolate *iso = NULL;
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.name = name;
  assert_int_equal(iso_spawn(entry, pl_spawn_value(s), &o, &iso), ISO_OK);
  iso_value *v = NULL;
  assert_int_equal(iso_port_next(port, 10ull * 1000000000, &v), ISO_OK);
  pl_msg *m = pl_msg_take(v);
  assert_non_null(m);
  assert_int_equal(m->kind, PL_M_READY);
  assert_true(m->nports >= 2);
  iso_link_tx *tx = iso_link_tx_new(m->ports[1], NULL, NULL);
  assert_non_null(tx);
  pl_msg_free(m);
  assert_int_equal(pl_stage_live(), before + 1);

  assert_int_equal(iso_kill(iso, ISO_PRIO_IMMEDIATE), ISO_OK);
  assert_int_equal(iso_isolate_join(iso, 10ull * 1000000000), ISO_OK);
  /* Killed, it ran none of its handlers: the control port's close freed it. */
  assert_int_equal(pl_stage_live(), before);
  iso_link_tx_free(tx);
  iso_isolate_release(iso);
  iso_sendport_release(sp);
  iso_port_close(port);
}

static void t_killed_mux_frees_its_state(void **state) {
  (void)state;
  spawn_ready_kill(pl_mux_entry, PL_N_MUX, "mux");
}

static void t_killed_filter_stage_frees_its_state(void **state) {
  (void)state;
  spawn_ready_kill(pl_decode_entry, PL_N_DECODE, "decode:a");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_killed_mux_frees_its_state),
      cmocka_unit_test(t_killed_filter_stage_frees_its_state),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
