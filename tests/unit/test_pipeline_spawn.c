/* What main hands a stage at spawn: its part of the graph, and its kind's settings read from its
 * output's options, a stream's own options (-b:v:1) applied to that stream's stages only. */
#include "test_pipeline_util.h"

#include "pipeline/pl_spawn.h"

static char g_out[1024];

/* One input (video + audio), one output file: decode:v -> encode:v (out
 * stream 0) and encode:v#1 (out stream 1, given -b:v:1) -> mux. */
static pl_job *two_encoders(void) {
  pl_job *j = pl_job_new();
  assert_non_null(j);
  char err[256];
  assert_int_equal(pl_job_set(j, "i", "/nonexistent/in.mkv", err, sizeof err), ISO_OK);
  assert_int_equal(pl_job_set(j, "o", g_out, err, sizeof err), ISO_OK);
  assert_int_equal(pl_job_set(j, "b:v", "1M", err, sizeof err), ISO_OK);
  assert_true(av_dict_set(&j->sidx, "b:v@v:1", "300k", AV_DICT_MULTIKEY) >= 0);
  j->segments = 1;
  j->in_ss_us = 500000;
  j->in_t_us = 2000000;
  j->info.nstreams = 2;
  j->info.st[0] = (pl_stream_info){.type = AVMEDIA_TYPE_VIDEO, .fps = {25, 1}, .tb = {1, 90000}};
  j->info.st[1] = (pl_stream_info){.type = AVMEDIA_TYPE_AUDIO, .tb = {1, 48000}};
  j->nout = 2;
  for (int i = 0; i < 2; i++) {
    j->out[i] = (pl_out_stream){.in_index = 0,
                                .type = AVMEDIA_TYPE_VIDEO,
                                .dec_node = 1,
                                .conv_node = -1,
                                .enc_node = 2 + i,
                                .fc_out = -1,
                                .mux_port = i};
    snprintf(j->out[i].encoder, sizeof j->out[i].encoder, "mpeg4");
  }
  static const pl_node_kind kinds[] = {PL_N_DEMUX, PL_N_DECODE, PL_N_ENCODE, PL_N_ENCODE, PL_N_MUX};
  static const char *const names[] = {"demux", "decode:v", "encode:v", "encode:v#1", "mux"};
  j->nnodes = 5;
  for (int i = 0; i < 5; i++) {
    j->node[i] = (pl_node){.kind = kinds[i], .out_stream = -1, .down_node = -1};
    snprintf(j->node[i].name, sizeof j->node[i].name, "%s", names[i]);
  }
  j->node[1].nfan = 2;
  j->node[1].fan_node[0] = j->node[1].down_node = 2;
  j->node[1].fan_node[1] = 3;
  for (int i = 0; i < 2; i++) {
    j->node[2 + i].out_stream = i;
    j->node[2 + i].down_node = 4;
    j->node[2 + i].down_port = i;
  }
  return j;
}

static pl_spawn *spawn(const pl_job *j, int id) {
  pl_spawn *s = NULL;
  char err[256] = "";
  assert_int_equal(pl_spawn_new(j, id, NULL, &s, err, sizeof err), ISO_OK);
  assert_non_null(s);
  assert_int_equal(s->cfg.self, id);
  assert_string_equal(s->cfg.node.name, j->node[id].name);
  return s;
}

static void t_encoders_get_their_own_bit_rate(void **state) {
  (void)state;
  pl_job *j = two_encoders();
  pl_spawn *a = spawn(j, 2), *b = spawn(j, 3);
  assert_non_null(a->enc);
  assert_non_null(b->enc);
  assert_int_equal(a->enc->bit_rate, 1000000);
  assert_int_equal(b->enc->bit_rate, 300000); /* -b:v:1 */
  assert_int_equal(j->bv, 1000000);           /* main's job is not changed by it */
  assert_string_equal(b->enc->encoder, "mpeg4");
  assert_int_equal(b->enc->out_stream, 1);
  /* Links: an encoder's one leads to the muxer, a packet link. */
  assert_int_equal(b->cfg.ndown, 1);
  assert_string_equal(b->cfg.down[0].name, "mux");
  assert_int_equal(b->cfg.down[0].cap, (uint32_t)j->queue_pkts);
  assert_int_equal(b->cfg.in_cap, (uint32_t)j->queue_frames);
  assert_string_equal(b->cfg.file, g_out);
  /* The settings are shared by reference with the segments' encoders. */
  pl_enc_set *held = pl_enc_set_ref(b->enc);
  pl_spawn_free(b);
  assert_int_equal(held->bit_rate, 300000);
  pl_enc_set_unref(&held);
  assert_null(held);
  pl_spawn_free(a);
  pl_job_free(j);
}

static void t_decoder_gets_the_window_and_both_links(void **state) {
  (void)state;
  pl_job *j = two_encoders();
  pl_spawn *s = spawn(j, 1);
  assert_non_null(s->dec);
  assert_null(s->enc);
  assert_int_equal(s->dec->in_index, 0);
  assert_int_equal(s->dec->type, AVMEDIA_TYPE_VIDEO);
  /* The demux seeks to in_ss_us: the decoder keeps in_t_us after it. */
  assert_int_equal(s->dec->win_start_us, 0);
  assert_int_equal(s->dec->win_end_us, 2000000);
  assert_true(s->dec->win_cut);
  assert_int_equal(s->cfg.ndown, 2);
  assert_string_equal(s->cfg.down[0].name, "encode:v");
  assert_string_equal(s->cfg.down[1].name, "encode:v#1");
  assert_string_equal(s->cfg.file, "/nonexistent/in.mkv"); /* its errors name the input */
  pl_spawn_free(s);
  pl_job_free(j);
}

static void t_muxer_gets_its_streams_by_link(void **state) {
  (void)state;
  pl_job *j = two_encoders();
  char err[256];
  assert_int_equal(pl_job_set(j, "metadata", "title=spawned", err, sizeof err), ISO_OK);
  pl_spawn *s = spawn(j, 4);
  assert_non_null(s->mux);
  assert_int_equal(s->mux->n, 2);
  assert_string_equal(s->mux->st[1].encoder, "mpeg4");
  assert_false(s->mux->st[1].copy);
  assert_string_equal(s->mux->output, g_out);
  assert_int_equal(s->mux->link_cap, (uint32_t)j->queue_pkts);
  assert_non_null(av_dict_get(s->mux->metadata, "metadata", NULL, 0));
  pl_spawn_free(s);
  pl_job_free(j);
}

/* A value that cannot apply to its stream fails the spawn, naming the option. */
static void t_bad_stream_option_fails_the_spawn(void **state) {
  (void)state;
  pl_job *j = two_encoders();
  av_dict_free(&j->sidx);
  assert_true(av_dict_set(&j->sidx, "b:v@v:1", "fast", AV_DICT_MULTIKEY) >= 0);
  pl_spawn *s = NULL;
  char err[256] = "";
  assert_int_equal(pl_spawn_new(j, 3, NULL, &s, err, sizeof err), ISO_EINVAL);
  assert_null(s);
  assert_non_null(strstr(err, "b:v@v:1"));
  s = spawn(j, 2); /* stream v:0 does not take it */
  assert_int_equal(s->enc->bit_rate, 1000000);
  pl_spawn_free(s);
  pl_job_free(j);
}

int main(void) {
  snprintf(g_out, sizeof g_out, "/nonexistent/out.mkv");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_encoders_get_their_own_bit_rate),
      cmocka_unit_test(t_decoder_gets_the_window_and_both_links),
      cmocka_unit_test(t_muxer_gets_its_streams_by_link),
      cmocka_unit_test(t_bad_stream_option_fails_the_spawn),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
