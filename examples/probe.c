/* Prints what a media file holds (streams, codecs, sizes, rates, duration, tags, chapters) with
 * iso_probe, as a batch tool or an export dialog would before starting a pipeline. */
#include <isopipe/probe.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE...\n", argv[0]);
    return 2;
  }
  int failed = 0;
  for (int a = 1; a < argc; a++) {
    iso_probe_info *info = NULL;
    iso_error_info err;
    if (iso_probe(argv[a], NULL, &info, &err) != ISO_OK) {
      fprintf(stderr, "%s [%s]\n", err.message, iso_error_category_name(err.category));
      failed = 1;
      continue;
    }
    printf("%s: %s, %.3f s, %lld bytes\n", info->url, info->format, info->duration_s,
           (long long)info->size);
    for (int i = 0; i < info->nstreams; i++) {
      const iso_probe_stream *s = &info->streams[i];
      printf("  #%d %s %s", s->index, s->type_name, s->codec);
      if (s->type == ISO_MEDIA_VIDEO)
        printf(" %dx%d %d/%d fps%s", s->width, s->height, s->frame_rate_num, s->frame_rate_den,
               s->attached_pic ? " (cover)" : "");
      if (s->type == ISO_MEDIA_AUDIO)
        printf(" %d Hz %d ch %s", s->sample_rate, s->channels,
               s->channel_layout ? s->channel_layout : "");
      if (s->language) printf(" [%s]", s->language);
      printf("\n");
    }
    for (int i = 0; i < info->nchapters; i++)
      printf("  chapter %.3f-%.3f %s\n", info->chapters[i].start_s, info->chapters[i].end_s,
             info->chapters[i].title ? info->chapters[i].title : "");
    for (int i = 0; i < info->nmetadata; i++)
      printf("  %s=%s\n", info->metadata[i].key, info->metadata[i].value);
    iso_probe_free(info);
  }
  return failed;
}
