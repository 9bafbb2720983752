/* Pipeline tests: frames and packets move between isolates without a copy (pointers, counters). */
#include "test_pipeline_util.h"

#include "pipeline/pl_internal.h"

static char g_dir[512];

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

/* The sending isolate: one decoded-size frame over a credit link, exactly as
 * the stages send them, then a report [data pointer, bytes copied, handle
 * cleared after iso_send]. */
typedef struct sender {
  iso_link_tx *tx;
  iso_sendport *report, *plain;
  bool sent;
} sender;

static void sender_go(iso_link_tx *tx, void *ud) {
  (void)tx;
  sender *s = ud;
  if (s->sent) return;
  AVFrame *fr = av_frame_alloc();
  fr->format = AV_PIX_FMT_YUV420P;
  fr->width = 320;
  fr->height = 240;
  assert_int_equal(av_frame_get_buffer(fr, 0), 0);
  memset(fr->data[0], 7, (size_t)fr->linesize[0] * fr->height);
  intptr_t ptr = (intptr_t)fr->data[0];
  pl_msg *m = pl_msg_new(PL_M_FRAME);
  m->frame = fr;
  m->tb = (AVRational){1, 30};
  iso_value *item = pl_msg_value(m);
  if (iso_link_send(s->tx, item) == ISO_ENOCREDIT) {
    pl_msg_free(pl_msg_take(item));
    return; /* on_writable calls again */
  }
  s->sent = true;
  /* Dart's send on a plain port: the sender's handle is emptied. */
  AVPacket *pkt = av_packet_alloc();
  av_new_packet(pkt, 4096);
  pl_msg *pm = pl_msg_new(PL_M_PACKET);
  pm->pkt = pkt;
  iso_value *v = pl_msg_value(pm);
  assert_int_equal(iso_send(s->plain, v), ISO_OK);
  bool cleared = iso_transfer_take(v, NULL) == NULL;
  iso_value_free(v);
  iso_counters c;
  iso_counters_get(&c);
  iso_send_move(s->report, iso_listv(iso_int(ptr), iso_int((int64_t)c.bytes_copied),
                                     iso_bool(cleared), iso_int((int64_t)c.transfers), NULL));
  iso_link_tx_eof(s->tx);
  iso_link_tx_free(s->tx);
  iso_sendport_release(s->report);
  iso_sendport_release(s->plain);
  free(s);
}

static void sender_entry(iso_value *msg) {
  sender *s = calloc(1, sizeof *s);
  s->report = iso_sendport_ref(iso_as_sendport(iso_list_at(msg, 1)));
  s->plain = iso_sendport_ref(iso_as_sendport(iso_list_at(msg, 2)));
  iso_link_tx_cbs cbs = {sender_go, NULL};
  s->tx = iso_link_tx_new(iso_as_sendport(iso_list_at(msg, 0)), &cbs, s);
  iso_value_free(msg);
  if (iso_link_tx_credits(s->tx) > 0) sender_go(s->tx, s);
}

typedef struct receiver {
  pl_msg *got;
  bool eof;
} receiver;

static void recv_item(iso_link_rx *rx, iso_value *item, void *ud) {
  receiver *r = ud;
  r->got = pl_msg_take(item);
  iso_link_rx_ack(rx, 1);
}

static void recv_eof(iso_link_rx *rx, void *ud) {
  (void)rx;
  ((receiver *)ud)->eof = true;
}

static void t_frame_pointer_unchanged(void **state) {
  (void)state;
  receiver r = {0};
  iso_link_rx_cbs cbs = {recv_item, recv_eof};
  iso_link_rx *rx = iso_link_rx_new(4, &cbs, &r);
  iso_port *report = iso_port_new();
  iso_port *plain = iso_port_new();
  iso_sendport *rsp = iso_port_sendport(report), *psp = iso_port_sendport(plain);
  iso_sendport *lsp = iso_link_rx_sendport(rx);
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.name = "sender";
  assert_int_equal(
      iso_spawn(sender_entry,
                iso_listv(iso_v_sendport(lsp), iso_v_sendport(rsp), iso_v_sendport(psp), NULL), &o,
                NULL),
      ISO_OK);
  iso_value *rep = NULL;
  assert_int_equal(iso_port_next(report, 10000000000ull, &rep), ISO_OK);
  iso_value *pk = NULL;
  assert_int_equal(iso_port_next(plain, 10000000000ull, &pk), ISO_OK);
  while (!r.got || !r.eof)
    iso_loop_poll(10000000ull);

  assert_int_equal(r.got->kind, PL_M_FRAME);
  assert_non_null(r.got->frame);
  assert_int_equal((intptr_t)r.got->frame->data[0], iso_as_int(iso_list_at(rep, 0)));
  assert_int_equal(r.got->frame->data[0][0], 7);
  assert_int_equal(r.got->tb.den, 30);
  assert_int_equal(iso_as_int(iso_list_at(rep, 1)), 0); /* bytes copied by the sender */
  assert_true(iso_as_bool(iso_list_at(rep, 2)));        /* the sent handle is empty */
  assert_true(iso_as_int(iso_list_at(rep, 3)) >= 2);    /* both moved */
  pl_msg *pm = pl_msg_take(pk);
  assert_non_null(pm);
  assert_int_equal(pm->pkt->size, 4096);
  pl_msg_free(pm);
  pl_msg_free(r.got);
  iso_value_free(rep);
  iso_link_rx_free(rx);
  iso_sendport_release(lsp);
  iso_sendport_release(rsp);
  iso_sendport_release(psp);
  iso_port_close(report);
  iso_port_close(plain);
}

/* A real transcode: every stage moved its media, none deep-copied a byte. */
static void t_pipeline_copies_nothing(void **state) {
  (void)state;
  char in[1024], out[1024];
  tm_path(out, sizeof out, g_dir, "zc.mkv");
  const char *kv[] = {
      "i", tp_media("clip-h264-aac.mp4", in, sizeof in), "o", out, "c:v", "mpeg4", "c:a", "flac",
      NULL};
  tp_run r;
  tp_init(&r);
  assert_int_equal(tp_run_kv(&r, kv), ISO_OK);
  assert_true(r.last.nstages >= 8);
  for (int i = 0; i < r.last.nstages; i++) {
    const iso_stage_stats *s = &r.last.stages[i];
    if (s->bytes_copied)
      fail_msg("%s copied %llu bytes", s->name, (unsigned long long)s->bytes_copied);
    if (!s->transfers) fail_msg("%s moved nothing", s->name);
  }
  assert_int_equal(r.bytes_copied, 0);
  assert_true(r.transfers > 100);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_frame_pointer_unchanged),
      cmocka_unit_test(t_pipeline_copies_nothing),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
