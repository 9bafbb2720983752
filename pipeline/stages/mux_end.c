/* How an output ends before its inputs do (-fs, -frames) or with nothing in it (filters that
 * rightly kept no frame). */
#include "pipeline/stages/mux_end.h"

#include "pipeline/pl_stage.h"

void pl_mux_check_limits(mux_impl *x, int m_index) {
  mux_port *mp = &x->port[m_index];
  /* -fs: as ffmpeg, the bytes handed to the file so far; every stream
   * then ends, as at -t. -frames: ffmpeg 5.1 counts the packets written of
   * a stream it does not encode as video (audio encoders split and join
   * frames, but never reorder); an audio stream that reaches its count
   * ends alone, a copied video ends the whole file. */
  int64_t max = x->set->st[m_index].max_pkts;
  bool frames_hit = max > 0 && mp->written >= (uint64_t)max;
  if (frames_hit && x->set->st[m_index].type == AVMEDIA_TYPE_AUDIO) {
    mp->frames_done = true;
    x->ended_port = m_index;
    if (!mp->eof) {
      iso_link_rx_finish(mp->rx);
      mp->eof = true;
    }
  } else if (frames_hit || (x->set->limit_fs > 0 && cx_mux_bytes(x->mux) >= x->set->limit_fs)) {
    x->ended_by = frames_hit ? MUX_FRAMES_REACHED : MUX_FS_REACHED;
    x->ended_port = m_index;
    for (int k = 0; k < x->n; k++)
      if (!x->port[k].eof) {
        iso_link_rx_finish(x->port[k].rx);
        x->port[k].eof = true;
      }
  }
}

void pl_mux_report_limits(mux_impl *x) {
  pl_stage *st = x->st;
  if (x->ended_by == MUX_FS_REACHED)
    pl_stage_log(st, AV_LOG_VERBOSE, "-fs: the file reached %lld bytes; %llu packets left out",
                 (long long)x->set->limit_fs, (unsigned long long)x->left_pkts);
  else if (x->ended_by == MUX_FRAMES_REACHED || x->left_pkts)
    pl_stage_log(st, AV_LOG_VERBOSE,
                 "-frames: stream #%d reached %lld packets; %llu packets left out",
                 x->port[x->ended_port].file_index, (long long)x->set->st[x->ended_port].max_pkts,
                 (unsigned long long)x->left_pkts);
}

/* Every stream is encoded behind filters that may rightly keep no frame. */
static bool every_may_drop_all(const mux_impl *x) {
  for (int k = 0; k < x->n; k++)
    if (!x->set->st[k].may_drop_all) return false;
  return x->n > 0;
}

/* fps=1/10 over a 2 s clip keeps no frame, nor does -skip_frame nokey after
 * an -ss past the only keyframe: ffmpeg exits 0 with this warning (leaving a
 * header-only file where the format has one), and so does isopipe, saying
 * so, without the file. */
static void empty_ok(mux_impl *x) {
  pl_stage_log(x->st, AV_LOG_WARNING,
               "output file is empty, nothing was encoded: the filters or -skip_frame kept no "
               "frame of the input (ffmpeg's result too)");
  pl_stage_end(x->st, true);
}

/* The end of an output that got no packet, said as what: a failure, but
 * where the user's filters or -skip_frame rightly kept nothing (ffmpeg's
 * exit 0). */
void pl_mux_end_without_data(mux_impl *x, const char *what) {
  const pl_mux_set *j = x->set;
  /* -t 0 asks for nothing ("-dump_attachment:t '' -i in.mkv -t 0 -f null
   * -" writes the fonts alone): ffmpeg's exit 0, said as it is. */
  if (j->t_us == 0) {
    pl_stage_log(x->st, AV_LOG_WARNING, "output file is empty, nothing was encoded: -t 0");
    pl_stage_end(x->st, true);
    return;
  }
  /* An -ss inside the input leaves frames that the user's filters or
   * -skip_frame may rightly all drop; one past its end leaves nothing. */
  bool seek_past = j->seek_us > 0 && (j->in_dur_us == AV_NOPTS_VALUE || j->seek_us >= j->in_dur_us);
  if (!seek_past && every_may_drop_all(x)) {
    empty_ok(x);
    return;
  }
  /* ffmpeg writes an empty file and exits 0 here; an empty result must not look like one. */
  if (j->copyts_end_us >= 0 && j->copyts_end_us <= j->copyts_read_us)
    pl_stage_fail_cat(x->st, ISO_EMEDIA, ISO_ERRCAT_NO_DATA,
                      "no stream produced any data: with -copyts the output's -t/-to end at "
                      "%.3f s of the input's own clock, and its read starts at %.3f s there",
                      j->copyts_end_us / 1e6, j->copyts_read_us / 1e6);
  else if (j->seek_us > 0)
    pl_stage_fail_cat(x->st, ISO_EMEDIA, ISO_ERRCAT_NO_DATA,
                      "no stream produced any data: nothing of the input is left after -ss %.3f%s",
                      j->seek_us / 1e6, seek_past ? " (is it past the input's end?)" : "");
  else
    pl_stage_fail_cat(x->st, ISO_EMEDIA, ISO_ERRCAT_NO_DATA, "%s", what);
}
