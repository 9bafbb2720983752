/* ffmpeg's reference runs kept between the passes of one CI run (ISO_FFMPEG_CACHE=DIR). */
#ifndef ISOPIPE_TEST_FFCACHE_H
#define ISOPIPE_TEST_FFCACHE_H

#include <stdbool.h>

typedef struct tm_ffcache tm_ffcache;

/* Returned by tm_ffcache_open when the run was found: its outputs are in place. */
#define TM_FFCACHE_HIT ((tm_ffcache *)1)

/* Looks the run of ffmpeg with argv (NULL-terminated, stdout into
 * stdout_path or inherited) up. TM_FFCACHE_HIT with *rc set when it was kept;
 * NULL when there is no cache or the run cannot be kept (run it as usual);
 * otherwise a handle: run ffmpeg, then tm_ffcache_keep and tm_ffcache_free. */
tm_ffcache *tm_ffcache_open(const char *ffmpeg, const char *const *argv, const char *stdout_path,
                            int *rc);
/* Keeps what the run wrote, with its exit status. */
void tm_ffcache_keep(tm_ffcache *c, int rc);
void tm_ffcache_free(tm_ffcache *c);

#endif
