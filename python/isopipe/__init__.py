"""isopipe from Python: probe, transcode with progress and cancel, errors as exceptions.

A ctypes binding to libisopipe (standard library only, no compiled extension).
The library is found through ISOPIPE_LIBRARY (a path), else the system's
linker path (libisopipe.so.0). Linux only, as the library.

The thread that first uses a Pipeline becomes isopipe's main isolate: run
pipelines on that thread; Pipeline.cancel may be called from any thread.
"""

import ctypes
import ctypes.util
import os
import threading

__all__ = [
    "probe", "transcode", "Pipeline", "IsopipeError", "InputNotFound", "InputAccessError",
    "InputReadError", "Unsupported", "CorruptInput", "NoData", "OutputExists",
    "OutputWriteError", "InvalidOption", "Cancelled", "TimedOut", "ResourceError",
    "InternalError", "version",
]

# ---- the library ------------------------------------------------------------------------


def _load():
    path = os.environ.get("ISOPIPE_LIBRARY")
    if not path:
        path = ctypes.util.find_library("isopipe") or "libisopipe.so.0"
    return ctypes.CDLL(path)


_lib = _load()

ISO_OK = 0
ISO_ECANCELLED = -12
ISO_MODE_THREADS = 0
ISO_CANCEL_GRACEFUL = 0
ISO_CANCEL_NOW = 1


class _Tag(ctypes.Structure):
    _fields_ = [("key", ctypes.c_char_p), ("value", ctypes.c_char_p)]


class _Stream(ctypes.Structure):
    _fields_ = [
        ("index", ctypes.c_int), ("type", ctypes.c_int), ("type_name", ctypes.c_char_p),
        ("codec", ctypes.c_char_p), ("profile", ctypes.c_char_p), ("bit_rate", ctypes.c_int64),
        ("start_s", ctypes.c_double), ("duration_s", ctypes.c_double), ("frames", ctypes.c_int64),
        ("width", ctypes.c_int), ("height", ctypes.c_int), ("sar_num", ctypes.c_int),
        ("sar_den", ctypes.c_int), ("frame_rate_num", ctypes.c_int),
        ("frame_rate_den", ctypes.c_int), ("pix_fmt", ctypes.c_char_p),
        ("rotation", ctypes.c_double), ("attached_pic", ctypes.c_bool),
        ("sample_rate", ctypes.c_int), ("channels", ctypes.c_int),
        ("channel_layout", ctypes.c_char_p), ("sample_fmt", ctypes.c_char_p),
        ("is_default", ctypes.c_bool), ("language", ctypes.c_char_p),
        ("nmetadata", ctypes.c_int), ("metadata", ctypes.POINTER(_Tag)),
    ]


class _Chapter(ctypes.Structure):
    _fields_ = [
        ("id", ctypes.c_int64), ("start_s", ctypes.c_double), ("end_s", ctypes.c_double),
        ("title", ctypes.c_char_p), ("nmetadata", ctypes.c_int),
        ("metadata", ctypes.POINTER(_Tag)),
    ]


class _Info(ctypes.Structure):
    _fields_ = [
        ("url", ctypes.c_char_p), ("format", ctypes.c_char_p), ("format_long", ctypes.c_char_p),
        ("start_s", ctypes.c_double), ("duration_s", ctypes.c_double),
        ("bit_rate", ctypes.c_int64), ("size", ctypes.c_int64), ("nstreams", ctypes.c_int),
        ("streams", ctypes.POINTER(_Stream)), ("nchapters", ctypes.c_int),
        ("chapters", ctypes.POINTER(_Chapter)), ("nmetadata", ctypes.c_int),
        ("metadata", ctypes.POINTER(_Tag)), ("best_video", ctypes.c_int),
        ("best_audio", ctypes.c_int),
    ]


class _ProbeOpts(ctypes.Structure):
    _fields_ = [("format", ctypes.c_char_p), ("protocol_whitelist", ctypes.c_char_p),
                ("allow_formats", ctypes.c_char_p)]


class _ErrorInfo(ctypes.Structure):
    _fields_ = [
        ("category", ctypes.c_int), ("code", ctypes.c_int), ("av_error", ctypes.c_int),
        ("stage", ctypes.c_char_p), ("file", ctypes.c_char_p), ("message", ctypes.c_char_p),
    ]


class _Progress(ctypes.Structure):
    # The leading fields of iso_progress (the per-stage table that follows is not read).
    _fields_ = [
        ("elapsed_s", ctypes.c_double), ("position_s", ctypes.c_double),
        ("duration_s", ctypes.c_double), ("percent", ctypes.c_double), ("eta_s", ctypes.c_double),
        ("speed", ctypes.c_double), ("fps", ctypes.c_double), ("frames", ctypes.c_uint64),
        ("out_bytes", ctypes.c_uint64), ("bitrate_kbps", ctypes.c_double),
    ]


_PROGRESS_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(_Progress), ctypes.c_void_p)
_LOG_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p,
                           ctypes.c_void_p)
_ERROR_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                             ctypes.c_void_p)
_DONE_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)


class _Callbacks(ctypes.Structure):
    _fields_ = [("on_progress", _PROGRESS_CB), ("on_log", _LOG_CB), ("on_error", _ERROR_CB),
                ("on_done", _DONE_CB)]


class _PreviewFrame(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("stride", ctypes.c_int),
                ("rgba", ctypes.c_void_p), ("position_s", ctypes.c_double)]


_PREVIEW_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(_PreviewFrame),
                               ctypes.c_void_p)
_READ_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_WRITE_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_SEEK_CB = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int)


class _Io(ctypes.Structure):
    _fields_ = [("read", _READ_CB), ("write", _WRITE_CB), ("seek", _SEEK_CB),
                ("opaque", ctypes.c_void_p)]


_SEEK_SIZE = 0x10000
_EIO = 5


def _sig(name, res, *args):
    f = getattr(_lib, name)
    f.restype = res
    f.argtypes = list(args)
    return f


_vp = ctypes.c_void_p
_probe = _sig("iso_probe", ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(_ProbeOpts),
              ctypes.POINTER(ctypes.POINTER(_Info)), ctypes.POINTER(_ErrorInfo))
_probe_free = _sig("iso_probe_free", None, ctypes.POINTER(_Info))
_runtime_init = _sig("iso_runtime_init", ctypes.c_int, ctypes.c_int)
_is_main = _sig("iso_is_main", ctypes.c_bool)
_new = _sig("iso_pipeline_new", _vp)
_set_output = _sig("iso_pipeline_set_output", ctypes.c_int, _vp, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_char_p)
_add_output = _sig("iso_pipeline_add_output", ctypes.c_int, _vp)
_set_callbacks = _sig("iso_pipeline_set_callbacks", None, _vp, ctypes.POINTER(_Callbacks), _vp)
_start = _sig("iso_pipeline_start", ctypes.c_int, _vp)
_done = _sig("iso_pipeline_done", ctypes.c_bool, _vp)
_loop_poll = _sig("iso_loop_poll", ctypes.c_int, ctypes.c_uint64)
_cancel = _sig("iso_pipeline_cancel", None, _vp, ctypes.c_int)
_pause = _sig("iso_pipeline_pause", ctypes.c_int, _vp, ctypes.c_bool)
_status = _sig("iso_pipeline_status", ctypes.c_int, _vp)
_error = _sig("iso_pipeline_error", ctypes.c_char_p, _vp)
_error_info = _sig("iso_pipeline_error_info", ctypes.c_int, _vp, ctypes.POINTER(_ErrorInfo))
_free = _sig("iso_pipeline_free", None, _vp)
_set_preview = _sig("iso_pipeline_set_preview", ctypes.c_int, _vp, ctypes.c_int, ctypes.c_int,
                    ctypes.c_double, _PREVIEW_CB, _vp)
_set_input_io = _sig("iso_pipeline_set_input_io", ctypes.c_int, _vp, ctypes.POINTER(_Io))
_set_output_io = _sig("iso_pipeline_set_output_io", ctypes.c_int, _vp, ctypes.c_int,
                      ctypes.POINTER(_Io))
_strerror = _sig("iso_strerror", ctypes.c_char_p, ctypes.c_int)
_version = _sig("iso_version", ctypes.c_char_p)


def version():
    return _version().decode()


# ---- errors -----------------------------------------------------------------------------


class IsopipeError(Exception):
    """A failure: category (ISO_ERRCAT_*), code (ISO_*), av_error (FFmpeg), stage, file."""

    def __init__(self, message, category=0, code=-1, av_error=0, stage="", file=""):
        super().__init__(message)
        self.message, self.category, self.code = message, category, code
        self.av_error, self.stage, self.file = av_error, stage, file


class InputNotFound(IsopipeError, FileNotFoundError):
    pass


class InputAccessError(IsopipeError, PermissionError):
    pass


class InputReadError(IsopipeError, OSError):
    pass


class Unsupported(IsopipeError):
    pass


class CorruptInput(IsopipeError):
    pass


class NoData(IsopipeError):
    pass


class OutputExists(IsopipeError, FileExistsError):
    pass


class OutputWriteError(IsopipeError, OSError):
    pass


class InvalidOption(IsopipeError, ValueError):
    pass


class Cancelled(IsopipeError):
    pass


class TimedOut(IsopipeError, TimeoutError):
    pass


class ResourceError(IsopipeError, MemoryError):
    pass


class InternalError(IsopipeError):
    pass


# Index = iso_error_category.
_CLASSES = [IsopipeError, InputNotFound, InputAccessError, InputReadError, Unsupported,
            CorruptInput, NoData, OutputExists, OutputWriteError, InvalidOption, Cancelled,
            TimedOut, ResourceError, InternalError]


def _s(b):
    return b.decode(errors="replace") if b else ""


def _raise(e, fallback=""):
    cls = _CLASSES[e.category] if 0 <= e.category < len(_CLASSES) else IsopipeError
    raise cls(_s(e.message) or fallback or _s(_strerror(e.code)), e.category, e.code, e.av_error,
              _s(e.stage), _s(e.file))


# ---- probe ------------------------------------------------------------------------------


def _tags(n, t):
    return {_s(t[i].key): _s(t[i].value) for i in range(n)}


def probe(url, format=None, protocol_whitelist=None, allow_formats=None):
    """What url holds: a dict with format, duration, size, metadata, streams, chapters."""
    opts = _ProbeOpts(format and format.encode(), protocol_whitelist and protocol_whitelist.encode(),
                      allow_formats and allow_formats.encode())
    out = ctypes.POINTER(_Info)()
    err = _ErrorInfo()
    if _probe(os.fsencode(url), ctypes.byref(opts), ctypes.byref(out), ctypes.byref(err)) != ISO_OK:
        _raise(err)
    try:
        i = out.contents
        streams = []
        for k in range(i.nstreams):
            s = i.streams[k]
            d = {"index": s.index, "type": _s(s.type_name), "codec": _s(s.codec),
                 "profile": _s(s.profile) or None, "bit_rate": s.bit_rate,
                 "start": s.start_s, "duration": s.duration_s, "frames": s.frames,
                 "default": s.is_default, "language": _s(s.language) or None,
                 "metadata": _tags(s.nmetadata, s.metadata)}
            if d["type"] == "video":
                d.update(width=s.width, height=s.height, pix_fmt=_s(s.pix_fmt) or None,
                         frame_rate=(s.frame_rate_num, s.frame_rate_den),
                         sar=(s.sar_num, s.sar_den), rotation=s.rotation,
                         attached_pic=s.attached_pic)
            elif d["type"] == "audio":
                d.update(sample_rate=s.sample_rate, channels=s.channels,
                         channel_layout=_s(s.channel_layout) or None,
                         sample_fmt=_s(s.sample_fmt) or None)
            streams.append(d)
        chapters = [{"id": c.id, "start": c.start_s, "end": c.end_s,
                     "title": _s(c.title) or None, "metadata": _tags(c.nmetadata, c.metadata)}
                    for c in (i.chapters[k] for k in range(i.nchapters))]
        return {"url": _s(i.url), "format": _s(i.format), "format_long": _s(i.format_long),
                "start": i.start_s, "duration": i.duration_s, "bit_rate": i.bit_rate,
                "size": i.size, "metadata": _tags(i.nmetadata, i.metadata), "streams": streams,
                "chapters": chapters, "best_video": i.best_video, "best_audio": i.best_audio}
    finally:
        _probe_free(out)


# ---- pipelines --------------------------------------------------------------------------

_init_lock = threading.Lock()


def _ensure_runtime():
    with _init_lock:
        if _is_main():
            return
        r = _runtime_init(ISO_MODE_THREADS)
        if r != ISO_OK:
            raise IsopipeError("isopipe runs on the thread that first used it (%s)"
                               % _s(_strerror(r)), code=r)


class Progress:
    __slots__ = ("elapsed", "position", "duration", "percent", "eta", "speed", "fps", "frames",
                 "out_bytes")

    def __init__(self, p):
        self.elapsed, self.position, self.duration = p.elapsed_s, p.position_s, p.duration_s
        self.percent, self.eta, self.speed, self.fps = p.percent, p.eta_s, p.speed, p.fps
        self.frames, self.out_bytes = p.frames, p.out_bytes


class PreviewFrame:
    """A live preview picture: width x height RGBA bytes (rows packed), its position in seconds."""
    __slots__ = ("width", "height", "rgba", "position")

    def __init__(self, f):
        self.width, self.height, self.position = f.width, f.height, f.position_s
        row = f.width * 4
        self.rgba = b"".join(ctypes.string_at(f.rgba + y * f.stride, row)
                             for y in range(f.height))


def _is_name(x):
    return isinstance(x, (str, bytes, os.PathLike))


class _FileIo:
    """iso_io over a Python file object (read/write, and seek when it is seekable). The
    callbacks run on the pipeline's worker threads; an exception becomes -EIO and is
    re-raised by run()."""

    def __init__(self, f, write, owner):
        self.f, self.owner = f, owner
        seekable = getattr(f, "seekable", lambda: False)()
        self.io = _Io(_READ_CB() if write else _READ_CB(self._read),
                      _WRITE_CB(self._write) if write else _WRITE_CB(),
                      _SEEK_CB(self._seek) if seekable else _SEEK_CB(), None)

    def _fail(self, e):
        self.owner._exc = self.owner._exc or e
        return -_EIO

    def _read(self, _o, buf, size):
        try:
            data = self.f.read(size)
            ctypes.memmove(buf, data, len(data))
            return len(data)
        except BaseException as e:
            return self._fail(e)

    def _write(self, _o, buf, size):
        try:
            self.f.write(ctypes.string_at(buf, size))
            return size
        except BaseException as e:
            return self._fail(e)

    def _seek(self, _o, offset, whence):
        try:
            if whence == _SEEK_SIZE:
                here = self.f.tell()
                size = self.f.seek(0, os.SEEK_END)
                self.f.seek(here)
                return size
            return self.f.seek(offset, whence)
        except BaseException as e:
            return self._fail(e)


class Pipeline:
    """One transcode. Options use ffmpeg's names without the dash (see pipeline.h). input and
    output are file names (or URLs), or file objects (io.BytesIO, an open file, a socket's
    makefile()): then give the format with options "f" / "input_format" or a name in
    options "i" / "o" for guessing it."""

    def __init__(self, input, output, options=None, on_progress=None, on_log=None):
        _ensure_runtime()
        self._p = _new()
        if not self._p:
            raise ResourceError("out of memory")
        self._user_progress, self._user_log = on_progress, on_log
        self._exc = None
        # ctypes callbacks must outlive the pipeline: kept on self.
        self._cbs = _Callbacks(_PROGRESS_CB(self._on_progress), _LOG_CB(self._on_log),
                               _ERROR_CB(), _DONE_CB())
        _set_callbacks(self._p, ctypes.byref(self._cbs), None)
        self._ios = []
        if _is_name(input):
            self.set("i", input)
        else:
            self._ios.append(_FileIo(input, False, self))
            _set_input_io(self._p, ctypes.byref(self._ios[-1].io))
        if _is_name(output):
            self.set("o", output)
        else:
            self._ios.append(_FileIo(output, True, self))
            _set_output_io(self._p, 0, ctypes.byref(self._ios[-1].io))
        for k, v in (options or {}).items():
            self.set(k, v)

    def _on_progress(self, _p, prog, _ud):
        if self._user_progress and self._exc is None:
            try:
                self._user_progress(Progress(prog.contents))
            except BaseException as e:  # stop the run, re-raised by run()
                self._exc = e
                _cancel(self._p, ISO_CANCEL_NOW)

    def _on_log(self, _p, level, stage, line, _ud):
        if self._user_log:
            try:
                self._user_log(level, _s(stage), _s(line))
            except BaseException as e:
                self._exc = self._exc or e

    def set_preview(self, on_picture, width=320, height=0, fps=10):
        """on_picture(PreviewFrame) on this thread, at most fps times a second, the latest
        decoded picture fitted into width x height (0: from the other side)."""
        def call(_p, f, _ud):
            if self._exc is None:
                try:
                    on_picture(PreviewFrame(f.contents))
                except BaseException as e:
                    self._exc = e
                    _cancel(self._p, ISO_CANCEL_NOW)
        self._preview_cb = _PREVIEW_CB(call)
        if _set_preview(self._p, width, height, fps, self._preview_cb, None) != ISO_OK:
            raise InvalidOption(_s(_error(self._p)) or "bad preview settings", category=9)

    def set(self, key, value, output=0):
        if isinstance(value, bool):
            value = "1" if value else "0"
        if _set_output(self._p, output, key.encode(), os.fsencode(str(value))) != ISO_OK:
            raise InvalidOption(_s(_error(self._p)) or "invalid option %s" % key,
                                category=9, code=-1)

    def add_output(self, output, options=None):
        k = _add_output(self._p)
        if k < 0:
            raise InvalidOption(_s(_error(self._p)), category=9, code=k)
        self.set("o", output, k)
        for key, v in (options or {}).items():
            self.set(key, v, k)
        return k

    def cancel(self, now=False):
        """Thread-safe: graceful (finish the output) or now."""
        _cancel(self._p, ISO_CANCEL_NOW if now else ISO_CANCEL_GRACEFUL)

    def pause(self, paused=True):
        if _pause(self._p, paused) != ISO_OK:
            raise IsopipeError("cannot pause: the pipeline is not running")

    def run(self):
        """Runs to the end on this thread; raises the run's error (Cancelled on a cancel)."""
        r = _start(self._p)
        if r == ISO_OK:
            while not _done(self._p):
                if _loop_poll(100000000) < 0:
                    break
        if self._exc is not None:
            raise self._exc
        st = _status(self._p)
        if st != ISO_OK:
            e = _ErrorInfo()
            _error_info(self._p, ctypes.byref(e))
            _raise(e)

    def close(self):
        if self._p:
            _free(self._p)
            self._p = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def transcode(input, output, options=None, on_progress=None, on_log=None, on_preview=None,
              preview_size=(320, 0), preview_fps=10):
    """Transcodes input to output (names or file objects); on_progress(Progress) about 60
    times a second (see progress_period); on_preview(PreviewFrame) live pictures; raises an
    IsopipeError subclass on failure."""
    with Pipeline(input, output, options, on_progress, on_log) as p:
        if on_preview:
            p.set_preview(on_preview, preview_size[0], preview_size[1], preview_fps)
        p.run()
