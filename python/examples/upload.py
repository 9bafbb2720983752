#!/usr/bin/env python3
"""A web worker's transcode: the upload's bytes in memory in, the answer's bytes in memory out (no
temporary file), with a live preview count, as a request handler would run it.

    ISOPIPE_LIBRARY=build/libisopipe.so PYTHONPATH=python python3 python/examples/upload.py in.mp4 out.mkv
"""
import io
import sys

import isopipe


def handle(body):
    """Returns the transcoded bytes of one upload (Matroska, VP9-free: MPEG-4 + FLAC here)."""
    answer = io.BytesIO()
    pictures = []
    isopipe.transcode(io.BytesIO(body), answer,
                      {"o": "answer.mkv", "c:v": "mpeg4", "q:v": 4, "c:a": "flac"},
                      on_preview=pictures.append, preview_size=(160, 90), preview_fps=5)
    return answer.getvalue(), pictures


def main(src, dst):
    with open(src, "rb") as f:
        body = f.read()
    try:
        data, pictures = handle(body)
    except isopipe.IsopipeError as e:
        print("failed (%s): %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    with open(dst, "wb") as f:
        f.write(data)
    print("done: %d bytes in, %d bytes out, %d preview pictures" % (len(body), len(data),
                                                                   len(pictures)))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
