#!/usr/bin/env python3
"""The hostile-input campaign: seeded mutants of real files through isopipe and ffmpeg.

Mutants of each seed (truncations, bit flips, duplicated and swapped chunks, a
zeroed header) plus the corpus's broken files go through isopipe (best an
ASan+UBSan build) and ffmpeg with the same option sets. Counted per run:
crashes (a signal), sanitizer reports (leaks included), hangs (timeout), and
exit 0 with less output than ffmpeg writes from the same input (fewer packets
of a type, beyond 2 %); the same packets with another duration are counted
apart (timing, not data).

Usage: hostile_campaign.py ISOPIPE OUTDIR [--sets a,b] [--jobs N] [--replay LOG] [--from N] [SEED_FILES...]
Without seed files: media/ and the corpus's audio/video files. Prints one line
per finding and a summary; the mutants stay in OUTDIR/inputs to replay.
--sets picks option sets (default: all), --jobs runs that many at once, --from N skips the first N runs (the rest of a campaign cut short).
--replay LOG runs again exactly the (set, input) pairs of LOG's finding lines
(a newer build over the runs that were not clean matches).
"""
import concurrent.futures
import json
import os
import random
import subprocess
import sys
import time

OPTION_SETS = {
    "transcode": ["-c:v", "mpeg4", "-s", "64x48", "-c:a", "aac", "-ac", "1", "-f", "matroska"],
    "copy": ["-c", "copy", "-f", "matroska"],
    "mp4": ["-c:v", "mpeg4", "-s", "64x48", "-c:a", "aac", "-f", "mp4"],
    "mp3": ["-vn", "-c:a", "libmp3lame", "-f", "mp3"],
    "trim": ["-ss", "0.3", "-t", "1", "-c:v", "mpeg4", "-s", "64x48", "-c:a", "aac", "-f", "matroska"],
    "filter": ["-vf", "scale=48:32,hflip", "-af", "volume=0.5", "-c:v", "mpeg4", "-c:a", "aac",
               "-f", "matroska"],
    "fps": ["-r", "10", "-c:v", "mpeg4", "-s", "64x48", "-an", "-f", "matroska"],
    "nut": ["-c:v", "mpeg4", "-s", "64x48", "-c:a", "pcm_s16le", "-f", "nut"],
    "seekfilter": ["-vf", "scale=48:32", "-af", "volume=0.5", "-c:v", "mpeg4", "-c:a", "aac",
                   "-f", "matroska"],
}
EXT = {"mp4": ".mp4", "mp3": ".mp3", "nut": ".nut"}
# Options before -i: the decoders cut the input's -ss inside a frame, and a
# filter that works in place (volume) gets what is left.
INPUT_OPTS = {"seekfilter": ["-ss", "0.3"]}
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
    except subprocess.TimeoutExpired:
        return None
    except ValueError:
        j = {}
    if "format" not in j:
        return probe_packets(path)
    pk = {}
    for s in j.get("streams", []):
        pk[s.get("codec_type")] = pk.get(s.get("codec_type"), 0) + int(s.get("nb_read_packets") or 0)
    return pk, float(j["format"].get("duration") or 0)


def probe_packets(path):
    """Packets per type and duration read without opening any decoder, or None.

    ffprobe fails a whole file when one stream's decoder cannot open (a copied
    Vorbis setup header the mutation damaged: the input fails the same way);
    a stream copy to framemd5 still reads every packet of the container.
    """
    try:
        r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0", "-c", "copy",
                            "-f", "framemd5", "-"], capture_output=True, timeout=TIMEOUT, text=True)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        return None
    types, tbs, pk, end = {}, {}, {}, 0.0
    for line in r.stdout.splitlines():
        if line.startswith("#media_type "):
            k, t = line[len("#media_type "):].split(":", 1)
            types[k.strip()] = t.strip()
        elif line.startswith("#tb "):
            k, t = line[len("#tb "):].split(":", 1)
            num, den = t.strip().split("/")
            tbs[k.strip()] = int(num) / int(den)
        elif line and not line.startswith("#"):
            f = [x.strip() for x in line.split(",")]
            t = types.get(f[0])
            pk[t] = pk.get(t, 0) + 1
            end = max(end, (int(f[2]) + int(f[3])) * tbs.get(f[0], 0))
    if not pk:
        return None
    return pk, end


def run(cmd, out, env=None):
    if os.path.exists(out):
        os.unlink(out)
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, env=env)
        return r.returncode, r.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", ""


def judge(rc, err, frc, o1, o2, got):
    """What is wrong with one run (None: nothing); counts go to got."""
    def add(key):
        got[key] = got.get(key, 0) + 1
    what = None
    if rc == "timeout":
        add("hang")
        what = "hang"
    elif rc == 86 or "Sanitizer" in err or "runtime error:" in err:
        add("sanitizer")
        what = "sanitizer report"
    elif rc < 0:
        add("crash")
        what = "signal %d" % -rc
    elif rc == 0:
        add("exit0")
        mine = probe(o1) if os.path.exists(o1) else None
        theirs = probe(o2) if frc == 0 and os.path.exists(o2) else None
        if theirs is None and frc != 0:
            add("ffmpeg_fails_isopipe_ok")
        if mine is None:
            what = "exit 0 without a readable output"
            if theirs is not None:
                add("less_than_ffmpeg")
        elif theirs is not None:
            short = [t for t, k in theirs[0].items() if mine[0].get(t, 0) < k * 0.98]
            if short:
                add("less_than_ffmpeg")
                what = "exit 0 with less than ffmpeg: %s %.2f s vs %s %.2f s" % (
                    mine[0], mine[1], theirs[0], theirs[1])
            elif abs(mine[1] - theirs[1]) > 0.1:
                # The same packets on another clock (a damaged timestamp
                # followed or not, an audio gap kept or closed): no data lost.
                add("timing_differs")
                what = "same packets, other duration: %s %.2f s vs %s %.2f s" % (
                    mine[0], mine[1], theirs[0], theirs[1])
    else:
        add("clean_error")
        if frc == 0:
            add("isopipe_fails_ffmpeg_ok")
            theirs = probe(o2)
            what = "fails (exit %s) where ffmpeg writes %s: %s" % (
                rc, theirs, (err.strip().splitlines() or [""])[-1][:200])
    return what


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    iso, outdir = sys.argv[1], sys.argv[2]
    src = os.path.dirname(os.path.abspath(__file__)) + "/../.."
    corpus = os.environ.get("ISO_MEDIA_CORPUS", src + "/../shared/media-corpus")
    rest, seeds, sets, jobs, replay, start = sys.argv[3:], [], list(OPTION_SETS), 1, None, 0
    while rest:
        a = rest.pop(0)
        if a == "--sets":
            sets = rest.pop(0).split(",")
        elif a == "--jobs":
            jobs = int(rest.pop(0))
        elif a == "--replay":
            replay = rest.pop(0)
        elif a == "--from":
            start = int(rest.pop(0))
        else:
            seeds.append(a)
    if replay:
        pairs = []
        for line in open(replay):
            f = line.split()
            if len(f) > 2 and f[0] in OPTION_SETS and f[1].endswith(":") and (f[0], f[1][:-1]) not in pairs:
                pairs.append((f[0], f[1][:-1]))
    if not seeds and not replay:
        for d in (src + "/media", corpus + "/video", corpus + "/audio"):
            if os.path.isdir(d):
                seeds += sorted(os.path.join(d, f) for f in os.listdir(d)
                                if not f.endswith((".md", ".sh", ".raw")) and os.path.getsize(os.path.join(d, f)) < 1 << 20)
    inputs_dir = os.path.join(outdir, "inputs")
    os.makedirs(inputs_dir, exist_ok=True)
    rng = random.Random(0x14)
    inputs = []
    for s in seeds if not replay else []:
        data = open(s, "rb").read()
        base = os.path.basename(s)
        for tag, d in mutants(data, rng):
            p = os.path.join(inputs_dir, "%s.%s%s" % (os.path.splitext(base)[0], tag, os.path.splitext(base)[1]))
            open(p, "wb").write(d)
            inputs.append(p)
    broken = corpus + "/broken"
    if os.path.isdir(broken) and not replay:
        inputs += sorted(os.path.join(broken, f) for f in os.listdir(broken))
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:exitcode=86")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=86")
    counts = {"runs": 0, "exit0": 0, "clean_error": 0, "crash": 0, "sanitizer": 0, "hang": 0,
              "less_than_ffmpeg": 0, "timing_differs": 0, "ffmpeg_fails_isopipe_ok": 0, "isopipe_fails_ffmpeg_ok": 0}
    if replay:
        inputs = sorted(set(i for _, i in pairs))
        work = [(k, inp, name) for k, (name, inp) in enumerate(pairs)]
    else:
        work = [(k, inp, name) for k, (inp, name) in enumerate((i, n) for i in inputs for n in sets)]
        # The rest of a campaign cut short: the order is the same every time.
        work = work[start:]

    def one(item):
        k, inp, name = item
        opts = OPTION_SETS[name]
        ext = EXT.get(name, ".mkv")
        o1, o2 = os.path.join(outdir, "iso-%d%s" % (k, ext)), os.path.join(outdir, "ff-%d%s" % (k, ext))
        got = {"runs": 1}
        pre = INPUT_OPTS.get(name, []) + ["-i", inp]
        rc, err = run([iso, "-nostdin", "-hide_banner", "-y"] + pre + opts + [o1], o1, env)
        frc, _ = run(["ffmpeg", "-nostdin", "-v", "quiet", "-y"] + pre + opts + [o2], o2)
        what = judge(rc, err, frc, o1, o2, got)
        for o in (o1, o2):
            if os.path.exists(o):
                os.unlink(o)
        return name, inp, what, got

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for name, inp, what, got in ex.map(one, work):
            for key, v in got.items():
                counts[key] += v
            if what:
                print("%-9s %s: %s" % (name, inp, what), flush=True)
            # A campaign cut short still says what it ran.
            if counts["runs"] % 200 == 0:
                print("progress: %d of %d runs in %.0f s: %s" % (
                    counts["runs"], len(work), time.monotonic() - t0, json.dumps(counts)), flush=True)
    print("campaign:", json.dumps(counts), "inputs:", len(inputs), flush=True)
    bad = counts["crash"] + counts["sanitizer"] + counts["hang"] + counts["less_than_ffmpeg"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
