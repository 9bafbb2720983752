#!/usr/bin/env python3
"""Probe a file, then transcode it with a progress line; Ctrl-C cancels gracefully.

    ISOPIPE_LIBRARY=build/libisopipe.so PYTHONPATH=python python3 python/examples/transcode.py in.mp4 out.mkv
"""
import signal
import sys

import isopipe


def main(src, dst):
    info = isopipe.probe(src)
    print("%s: %s, %.2f s" % (src, info["format"], info["duration"]))
    for s in info["streams"]:
        print("  #%d %s %s" % (s["index"], s["type"], s["codec"]))
    with isopipe.Pipeline(src, dst, {"c:v": "libx264", "preset": "veryfast", "crf": 23,
                                     "progress_period": 0.5},
                          on_progress=lambda p: print("\r%5.1f %% eta %.0f s" % (p.percent, p.eta),
                                                      end="", flush=True)) as p:
        signal.signal(signal.SIGINT, lambda *a: p.cancel())
        try:
            p.run()
        except isopipe.Cancelled:
            print("\ncancelled: %s is finished up to where it stopped" % dst)
            return 0
        except isopipe.IsopipeError as e:
            print("\nfailed (%s): %s" % (type(e).__name__, e), file=sys.stderr)
            return 1
    print("\ndone")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
