"""The Python binding against the real library: probe, transcode, progress, cancel, errors."""
import io
import os
import tempfile
import threading

import pytest

import isopipe

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIP = os.path.join(ROOT, "media", "clip-h264-aac.mp4")


@pytest.fixture
def tmp():
    with tempfile.TemporaryDirectory(prefix="isopipe-py-") as d:
        yield d


def test_probe_clip():
    info = isopipe.probe(CLIP)
    assert info["format"].startswith("mov,mp4")
    assert info["duration"] > 0
    assert info["size"] == os.path.getsize(CLIP)
    kinds = [s["type"] for s in info["streams"]]
    assert "video" in kinds and "audio" in kinds
    v = info["streams"][info["best_video"]]
    assert v["codec"] == "h264" and v["width"] > 0 and v["height"] > 0
    a = info["streams"][info["best_audio"]]
    assert a["codec"] == "aac" and a["sample_rate"] > 0 and a["channels"] > 0


def test_probe_missing_raises():
    with pytest.raises(isopipe.InputNotFound) as e:
        isopipe.probe("/nonexistent/x.mp4")
    assert isinstance(e.value, FileNotFoundError)
    assert e.value.file == "/nonexistent/x.mp4"
    assert e.value.stage == "probe"


def test_transcode_with_progress(tmp):
    out = os.path.join(tmp, "out.mkv")
    seen = []
    isopipe.transcode(CLIP, out, {"c:v": "mpeg4", "c:a": "flac"}, on_progress=seen.append)
    assert seen and seen[-1].position > 0
    info = isopipe.probe(out)
    src = isopipe.probe(CLIP)
    assert abs(info["duration"] - src["duration"]) < 0.2
    assert {s["codec"] for s in info["streams"]} == {"mpeg4", "flac"}


def test_cancel_from_another_thread(tmp):
    out = os.path.join(tmp, "cancel.mkv")
    started = threading.Event()

    def progress(p):
        started.set()

    with isopipe.Pipeline(CLIP, out, {"c:v": "libx264", "preset": "veryslow"},
                          on_progress=progress) as p:
        t = threading.Thread(target=lambda: (started.wait(10), p.cancel(now=True)))
        t.start()
        with pytest.raises(isopipe.Cancelled) as e:
            p.run()
        t.join()
    assert "killed" not in str(e.value)


def test_exception_in_callback_stops_the_run(tmp):
    out = os.path.join(tmp, "cb.mkv")

    def progress(p):
        raise KeyError("stop")

    with pytest.raises(KeyError):
        isopipe.transcode(CLIP, out, {"c:v": "mpeg4"}, on_progress=progress)


def test_errors_are_exceptions(tmp):
    with pytest.raises(isopipe.InvalidOption):
        isopipe.transcode(CLIP, os.path.join(tmp, "x.mkv"), {"crf": "abc"})
    with pytest.raises(isopipe.InvalidOption):
        isopipe.transcode(CLIP, os.path.join(tmp, "y.mkv"), {"nonsense_option": "1"})
    with pytest.raises(isopipe.InputNotFound):
        isopipe.transcode("/nonexistent/in.mp4", os.path.join(tmp, "z.mkv"))
    with pytest.raises(isopipe.OutputWriteError):
        isopipe.transcode(CLIP, "/nonexistent-dir/out.mkv", {"c": "copy"})


def test_preview_pictures(tmp):
    out = os.path.join(tmp, "preview.mkv")
    pictures = []
    isopipe.transcode(CLIP, out, {"c:v": "mpeg4", "an": True}, on_preview=pictures.append,
                      preview_size=(160, 0), preview_fps=30)
    assert pictures, "no preview picture"
    for f in pictures:
        assert (f.width, f.height) == (160, 120)
        assert len(f.rgba) == 160 * 120 * 4
    # The clip's colour bars: the left edge is brighter than the right.
    f = pictures[0]
    left = sum(f.rgba[(y * 160) * 4] for y in range(120))
    right = sum(f.rgba[(y * 160 + 159) * 4] for y in range(120))
    assert left > right


def test_memory_in_memory_out(tmp):
    src = io.BytesIO(open(CLIP, "rb").read())
    dst = io.BytesIO()
    isopipe.transcode(src, dst, {"o": "answer.mkv", "c": "copy"})
    assert dst.tell() > 1000
    path = os.path.join(tmp, "mem.mkv")
    with open(path, "wb") as f:
        f.write(dst.getvalue())
    info = isopipe.probe(path)
    assert {s["codec"] for s in info["streams"]} == {"h264", "aac"}
    assert abs(info["duration"] - isopipe.probe(CLIP)["duration"]) < 0.1


def test_file_object_exception_is_raised(tmp):
    """The file object's own exception comes out of transcode, as a callback's does."""
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def read(self, n=-1):
            raise RuntimeError("the upload broke")

    with pytest.raises(RuntimeError, match="the upload broke"):
        isopipe.transcode(Broken(), os.path.join(tmp, "x.mkv"), {"c": "copy"})


def test_examples_run(tmp):
    """The examples in python/examples run as documented."""
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    ex = os.path.join(ROOT, "python", "examples")
    out = os.path.join(tmp, "up.mkv")
    r = subprocess.run([sys.executable, os.path.join(ex, "upload.py"), CLIP, out], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("done: ") and os.path.getsize(out) > 1000
    out = os.path.join(tmp, "tr.mkv")
    r = subprocess.run([sys.executable, os.path.join(ex, "transcode.py"), CLIP, out], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "done" in r.stdout
