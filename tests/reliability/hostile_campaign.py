#!/usr/bin/env python3
"""The hostile-input campaign: seeded mutants of real files through isopipe and ffmpeg.

Mutants of each seed (truncations, bit flips, duplicated and swapped chunks, a
zeroed header) plus the corpus's broken files go through isopipe (best an
ASan+UBSan build) and ffmpeg with the same option sets. Counted per run:
crashes (a signal), sanitizer reports (leaks included), hangs (timeout), and
exit 0 with less output than ffmpeg writes from the same input (fewer packets
of a type, beyond 2 %); the same packets with another duration are counted
apart (timing, not data).

Usage: hostile_campaign.py ISOPIPE OUTDIR [SEED_FILES...]
Without seed files: media/ and the corpus's audio/video files. Prints one line
per finding and a summary; the mutants stay in OUTDIR/inputs to replay.
"""
import json
import os
import random
import subprocess
import sys

OPTION_SETS = {
    "transcode": ["-c:v", "mpeg4", "-s", "64x48", "-c:a", "aac", "-ac", "1", "-f", "matroska"],
    "copy": ["-c", "copy", "-f", "matroska"],
}
TIMEOUT = 30


def mutants(data, rng):
    n = len(data)
    out = []
    for i in range(4):
        out.append(("trunc%d" % i, data[: rng.randrange(max(1, n // 10), max(2, n))]))
    for i in range(4):
        d = bytearray(data)
        for _ in range(max(1, n // 1000)):
            k = rng.randrange(64, n) if n > 64 else rng.randrange(n)
            d[k] ^= 1 << rng.randrange(8)
        out.append(("flip%d" % i, bytes(d)))
    for i in range(2):
        a, ln = rng.randrange(n), rng.randrange(1, max(2, n // 8))
        out.append(("dup%d" % i, data[: a + ln] + data[a : a + ln] + data[a + ln :]))
    for i in range(2):
        ln = rng.randrange(1, max(2, n // 8))
        a, b = sorted(rng.sample(range(max(2, n - ln)), 2)) if n - ln > 2 else (0, 0)
        if b - a >= ln:
            d = data[:a] + data[b : b + ln] + data[a + ln : b] + data[a : a + ln] + data[b + ln :]
        else:
            d = data
        out.append(("swap%d" % i, d))
    out.append(("zerohead", bytes(min(n, 512)) + data[512:]))
    return out


def probe(path):
    """Packets per type and duration, or None when ffprobe cannot read it."""
    try:
        r = subprocess.run(
            ["ffprobe", "-v", "error", "-count_packets", "-show_entries",
             "stream=codec_type,nb_read_packets:format=duration", "-of", "json", path],
            capture_output=True, timeout=TIMEOUT, text=True)
        j = json.loads(r.stdout or "{}")
    except (subprocess.TimeoutExpired, ValueError):
        return None
    if "format" not in j:
        return None
    pk = {}
    for s in j.get("streams", []):
        pk[s.get("codec_type")] = pk.get(s.get("codec_type"), 0) + int(s.get("nb_read_packets") or 0)
    return pk, float(j["format"].get("duration") or 0)


def run(cmd, out, env=None):
    if os.path.exists(out):
        os.unlink(out)
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, env=env)
        return r.returncode, r.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", ""


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    iso, outdir = sys.argv[1], sys.argv[2]
    src = os.path.dirname(os.path.abspath(__file__)) + "/../.."
    corpus = os.environ.get("ISO_MEDIA_CORPUS", src + "/../shared/media-corpus")
    seeds = sys.argv[3:]
    if not seeds:
        for d in (src + "/media", corpus + "/video", corpus + "/audio"):
            if os.path.isdir(d):
                seeds += sorted(os.path.join(d, f) for f in os.listdir(d)
                                if not f.endswith((".md", ".sh")) and os.path.getsize(os.path.join(d, f)) < 1 << 20)
    inputs_dir = os.path.join(outdir, "inputs")
    os.makedirs(inputs_dir, exist_ok=True)
    rng = random.Random(0x14)
    inputs = []
    for s in seeds:
        data = open(s, "rb").read()
        base = os.path.basename(s)
        for tag, d in mutants(data, rng):
            p = os.path.join(inputs_dir, "%s.%s%s" % (os.path.splitext(base)[0], tag, os.path.splitext(base)[1]))
            open(p, "wb").write(d)
            inputs.append(p)
    broken = corpus + "/broken"
    if os.path.isdir(broken):
        inputs += sorted(os.path.join(broken, f) for f in os.listdir(broken))
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:exitcode=86")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=86")
    counts = {"runs": 0, "exit0": 0, "clean_error": 0, "crash": 0, "sanitizer": 0, "hang": 0,
              "less_than_ffmpeg": 0, "timing_differs": 0, "ffmpeg_fails_isopipe_ok": 0, "isopipe_fails_ffmpeg_ok": 0}
    o1, o2 = os.path.join(outdir, "iso.mkv"), os.path.join(outdir, "ff.mkv")
    for inp in inputs:
        for name, opts in OPTION_SETS.items():
            counts["runs"] += 1
            rc, err = run([iso, "-nostdin", "-hide_banner", "-y", "-i", inp] + opts + [o1], o1, env)
            frc, _ = run(["ffmpeg", "-nostdin", "-v", "quiet", "-y", "-i", inp] + opts + [o2], o2)
            what = None
            if rc == "timeout":
                counts["hang"] += 1
                what = "hang"
            elif rc == 86 or "Sanitizer" in err or "runtime error:" in err:
                counts["sanitizer"] += 1
                what = "sanitizer report"
            elif rc < 0:
                counts["crash"] += 1
                what = "signal %d" % -rc
            elif rc == 0:
                counts["exit0"] += 1
                mine = probe(o1) if os.path.exists(o1) else None
                theirs = probe(o2) if frc == 0 and os.path.exists(o2) else None
                if theirs is None and frc != 0:
                    counts["ffmpeg_fails_isopipe_ok"] += 1
                if mine is None:
                    what = "exit 0 without a readable output"
                    counts["less_than_ffmpeg"] += theirs is not None
                elif theirs is not None:
                    short = [t for t, k in theirs[0].items() if mine[0].get(t, 0) < k * 0.98]
                    if short:
                        counts["less_than_ffmpeg"] += 1
                        what = "exit 0 with less than ffmpeg: %s %.2f s vs %s %.2f s" % (
                            mine[0], mine[1], theirs[0], theirs[1])
                    elif abs(mine[1] - theirs[1]) > 0.1:
                        # The same packets on another clock (a damaged timestamp
                        # followed or not, an audio gap kept or closed): no data lost.
                        counts["timing_differs"] += 1
                        what = "same packets, other duration: %s %.2f s vs %s %.2f s" % (
                            mine[0], mine[1], theirs[0], theirs[1])
            else:
                counts["clean_error"] += 1
                if frc == 0:
                    counts["isopipe_fails_ffmpeg_ok"] += 1
                    theirs = probe(o2)
                    what = "fails (exit %s) where ffmpeg writes %s: %s" % (
                        rc, theirs, (err.strip().splitlines() or [""])[-1][:200])
            if what:
                print("%-9s %s: %s" % (name, inp, what), flush=True)
    print("campaign:", json.dumps(counts), "inputs:", len(inputs), flush=True)
    bad = counts["crash"] + counts["sanitizer"] + counts["hang"] + counts["less_than_ffmpeg"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
