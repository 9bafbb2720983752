#!/usr/bin/env python3
"""Runs isopipe and ffmpeg's CLI on the same jobs, alternating, and prints medians and ratios.

Usage: tests/bench/compare_ffmpeg.py [--build build] [--runs 3] [--jobs a,a-uf,b,c,d,e,trace,rss] [--serial]
                                     [--iso-args "--segments 2"] [--json]
Wall, CPU (user+sys) and peak RSS come from wait4()'s rusage of each child.

Sources are realistic: the video jobs read 1080p30 H.264 encoded by libx264 -preset veryfast
-crf 23 (B-frames) + AAC, made by ffmpeg from a real 1080p file of the shared media corpus (looped
to 10 s); the audio jobs 120 s of real recorded audio from the corpus (looped) as FLAC; job e a real
corpus file as it is. The ultrafast synthetic clip of isopipe-mkclip (no B-frames, cheap to decode)
stays only as the extra row a-uf: a figure measured on it does not transfer to CRF sources.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"bench: command failed ({code}): {' '.join(cmd)}\n{err}")
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_kb": ru.ru_maxrss}


def make_clip(mkclip, path, args):
    if not os.path.exists(path):
        subprocess.check_call([mkclip, "-o", path] + args, stdout=subprocess.DEVNULL)
    return path


def quality(ffmpeg, src, out):
    """Frame count, duration and PSNR (average, vs src, picture n against picture n) of out's video."""
    err = subprocess.run([ffmpeg, "-nostdin", "-nostats", "-v", "info", "-i", out, "-i", src,
                          "-lavfi", "[0:v]settb=1/30,setpts=N[a];[1:v]settb=1/30,setpts=N[b];"
                          "[a][b]psnr", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    psnr = err.rsplit("average:", 1)[1].split()[0] if "average:" in err else "nan"
    probe = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v",
                            "-show_entries", "stream=nb_read_frames:format=duration", "-of",
                            "default=nw=1:nk=1", out], capture_output=True, text=True).stdout.split()
    return {"frames": int(probe[0]) if probe else -1,
            "duration": float(probe[1]) if len(probe) > 1 else float("nan"), "psnr": float(psnr)}


def corpus_dir():
    env = os.environ.get("ISO_MEDIA_CORPUS")
    d = env or os.path.join(os.path.dirname(ROOT), "shared", "media-corpus")
    if not os.path.isdir(d):
        sys.exit(f"bench: media corpus not found at {d} (set ISO_MEDIA_CORPUS)")
    return d


def corpus_file(rel):
    f = os.path.join(corpus_dir(), rel)
    if not os.path.exists(f):
        sys.exit(f"bench: {f} missing from the media corpus")
    return f


def make_real(ffmpeg, path, src, loops, args):
    """A realistic source: a real corpus file, looped, encoded by ffmpeg (written once)."""
    if not os.path.exists(path):
        tmp = path + ".part" + os.path.splitext(path)[1]
        subprocess.check_call([ffmpeg, "-y", "-v", "error", "-nostdin", "-stream_loop", str(loops),
                               "-i", src] + args + [tmp])
        os.rename(tmp, path)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", default="a,a-uf,b,c,d,e,trace,rss")
    ap.add_argument("--iso-args", default="", help="extra isopipe options, e.g. '--segments 2'")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "isopipe-bench"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--serial", action="store_true",
                    help="also run isopipe --segments 1 (alternating): segmented vs serial RSS, and "
                         "wall against CPU / cores")
    a = ap.parse_args()
    iso = os.path.join(a.build, "tools", "isopipe")
    mkclip = os.path.join(a.build, "tools", "isopipe-mkclip")
    extra = a.iso_args.split() if a.iso_args else []
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        sys.exit("bench: ffmpeg not installed (apt-get install ffmpeg)")
    os.makedirs(a.work, exist_ok=True)
    w = a.work
    hd = ["-s", "1920x1080", "-r", "30", "-c:v", "libx264", "-preset", "ultrafast",
          "-c:a", "aac", "-ar", "48000", "-ac", "2"]
    bbb = "video/bbb_1920x1080_60fps_vp8.webm"
    crf = ["-r", "30", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
           "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2"]
    clips = {
        "hd10": lambda: make_real(ffmpeg, f"{w}/hd10-crf.mp4", corpus_file(bbb), 9, ["-t", "10"] + crf),
        "hd720": lambda: make_real(ffmpeg, f"{w}/hd720-crf.mp4", corpus_file(bbb), 9,
                                   ["-t", "10", "-vf", "scale=-2:720"] + crf),
        "hd10uf": lambda: make_clip(mkclip, f"{w}/hd10.mp4", hd + ["-t", "10"]),
        "hd60uf": lambda: make_clip(mkclip, f"{w}/hd60.mp4", hd + ["-t", "60"]),
        "flac120": lambda: make_real(ffmpeg, f"{w}/a120-real.flac", corpus_file("audio/bear.flac"), 44,
                                     ["-t", "120", "-c:a", "flac", "-ar", "44100", "-ac", "2"]),
        "real480": lambda: corpus_file("video/bt601-525_480_telecined_hard.ts"),
    }
    x264 = ["-vf", "scale=-2:720", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
            "-c:a", "aac", "-b:a", "128k"]
    def ladder(out):
        # Job b: one process, three outputs (options before each path are its own).
        args = []
        for size in ("1280x720", "854x480", "640x360"):
            args += ["-s", size, "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                     "-c:a", "aac", "-b:a", "128k", f"{out}-{size.split('x')[1]}.mp4"]
        return args

    def fc_ladder(out):
        # Job f-complex: one split filtergraph feeding two outputs (PeerTube's HLS ladder shape).
        return ["-filter_complex", "[0:v]split=2[a][b];[a]scale=-2:720[o1];[b]scale=-2:360[o2]",
                "-map", "[o1]", "-map", "0:a", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                "-c:a", "aac", "-b:a", "128k", f"{out}-720.mp4",
                "-map", "[o2]", "-map", "0:a", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                "-c:a", "aac", "-b:a", "128k", f"{out}-360.mp4"]

    jobs = {
        "a": ("1080p30 10s CRF source -> 720p x264 veryfast crf23 + aac 128k", "hd10", x264, "mp4"),
        "a-uf": ("same, on the ultrafast synthetic clip (extra row)", "hd10uf", x264, "mp4"),
        "b": ("1080p30 10s -> 720p/480p/360p x264 veryfast crf23 + aac 128k, one process",
              "hd10", ladder, None),
        "c": ("1080p30 10s -> mpeg4 q 4", "hd10", ["-c:v", "mpeg4", "-q:v", "4", "-an"], "mp4"),
        "d": ("120s stereo FLAC -> MP3 192k", "flac120", ["-c:a", "libmp3lame", "-b:a", "192k"], "mp3"),
        "e": ("real 720x480 MPEG-2 + AC-3 (corpus) -> 360p x264 veryfast crf23 + aac 128k", "real480",
              ["-vf", "scale=-2:360", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
               "-c:a", "aac", "-b:a", "128k"], "mp4"),
        "opus": ("120s stereo FLAC -> Opus 128k", "flac120", ["-c:a", "libopus", "-b:a", "128k"], "opus"),
        "aac": ("120s stereo FLAC -> AAC 192k", "flac120", ["-c:a", "aac", "-b:a", "192k"], "m4a"),
        # Filter jobs: libavfilter graphs as real programs send them.
        "f-crop": ("1080p30 10s CRF -> even-size crop, scale, format (Mastodon/PhotoPrism) + x264",
                   "hd10", ["-vf", "crop=floor(iw/2)*2:floor(ih/2)*2,scale=trunc(iw/3)*2:-2,"
                            "format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                            "-c:a", "aac", "-b:a", "128k"], "mp4"),
        "f-yadif": ("real telecined 480i MPEG-2 (corpus) -> yadif, 360p x264 + aac", "real480",
                    ["-vf", "yadif,scale=-2:360", "-c:v", "libx264", "-preset", "veryfast", "-crf",
                     "23", "-c:a", "aac", "-b:a", "128k"], "mp4"),
        "f-loud": ("120s stereo FLAC -> loudnorm -> AAC 192k", "flac120",
                   ["-af", "loudnorm", "-ar", "44100", "-c:a", "aac", "-b:a", "192k"], "m4a"),
        "f-complex": ("1080p30 10s CRF -> -filter_complex split to 720p + 360p x264, one process",
                      "hd10", fc_ladder, None),
        "vp9": ("720p 10s -> libvpx-vp9 2M good cpu-used 4", "hd720",
                ["-c:v", "libvpx-vp9", "-b:v", "2M", "-deadline", "good", "-cpu-used", "4", "-an"],
                "webm"),
    }
    results = {}
    for key in a.jobs.split(","):
        if key in ("rss", "trace"):
            continue
        if key not in jobs:
            sys.exit(f"bench: unknown job {key}")
        title, clip, args, ext = jobs[key]
        src = clips[clip]()
        tail = {t: args(f"{w}/out-{key}-{t}") if callable(args) else args + [f"{w}/out-{key}.{ext}"]
                for t in ("isopipe", "ffmpeg")}
        tools = {
            "isopipe": [iso, "-y", "-v", "error", "-nostdin"] + extra + ["-i", src] + tail["isopipe"],
            "ffmpeg": [ffmpeg, "-y", "-v", "error", "-nostdin", "-i", src] + tail["ffmpeg"],
        }
        if a.serial:
            tools["serial"] = ([iso, "-y", "-v", "error", "-nostdin", "--segments", "1", "-i", src] +
                               (args(f"{w}/out-{key}-serial") if callable(args)
                                else args + [f"{w}/out-{key}-serial.{ext}"]))
        samples = {t: [] for t in tools}
        for i in range(a.runs):
            order = list(tools) if i % 2 == 0 else list(reversed(list(tools)))
            for t in order:
                samples[t].append(run(tools[t]))
        med = {t: {m: statistics.median(s[m] for s in samples[t]) for m in ("wall", "cpu", "rss_kb")}
               for t in samples}
        results[key] = {"title": title, "isopipe": med["isopipe"], "ffmpeg": med["ffmpeg"],
                        "ratio": {m: med["isopipe"][m] / med["ffmpeg"][m] for m in ("wall", "cpu", "rss_kb")}}
        # Segmented jobs: wall against their CPU spread over the cores (goal <= 1.10), and
        # peak RSS against the serial isopipe (goal <= 1.5).
        cores = os.cpu_count() or 1
        results[key]["wall_per_cpu_cores"] = med["isopipe"]["wall"] / (med["isopipe"]["cpu"] / cores)
        if a.serial:
            results[key]["serial"] = med["serial"]
            results[key]["vs_serial"] = {m: med["isopipe"][m] / med["serial"][m]
                                         for m in ("wall", "cpu", "rss_kb")}
        if key == "vp9":
            # Segmented (isopipe's auto) against one encoder (ffmpeg): the same frames and
            # duration, PSNR vs the source within 0.2 dB.
            results[key]["quality"] = {t: quality(ffmpeg, src, tail[t][-1]) for t in tail}
    if "trace" in a.jobs.split(","):
        src = clips["hd10"]()
        base = [iso, "-y", "-v", "error", "-nostdin", "-i", src] + x264
        samples = {"off": [], "on": []}
        for i in range(a.runs):
            order = ["off", "on"] if i % 2 == 0 else ["on", "off"]
            for t in order:
                extra = ["--trace", f"{w}/trace.json.gz"] if t == "on" else []
                samples[t].append(run(base + extra + [f"{w}/out-trace-{t}.mp4"]))
        med = {t: {m: statistics.median(s[m] for s in samples[t]) for m in ("wall", "cpu")}
               for t in samples}
        results["trace"] = {"title": "--trace overhead on job a", "off": med["off"], "on": med["on"],
                            "wall_overhead": med["on"]["wall"] / med["off"]["wall"] - 1,
                            "cpu_overhead": med["on"]["cpu"] / med["off"]["cpu"] - 1}
    if "rss" in a.jobs.split(","):
        rss = {}
        # Growth with input length; the synthetic clips are cheap to make 60 s of.
        for clip in ("hd10uf", "hd60uf"):
            src = clips[clip]()
            out = f"{w}/out-rss-{clip}.mp4"
            rss[clip] = statistics.median(
                run([iso, "-y", "-v", "error", "-nostdin", "-i", src] + x264 + [out])["rss_kb"]
                for _ in range(max(1, a.runs // 2)))
        results["rss"] = {"title": "isopipe peak RSS, 60 s vs 10 s input (job a)",
                          "hd10_kb": rss["hd10uf"], "hd60_kb": rss["hd60uf"],
                          "growth": rss["hd60uf"] / rss["hd10uf"] - 1}
    if a.json:
        print(json.dumps(results, indent=2))
        return
    print(f"runs per tool: {a.runs} (alternating), medians; isopipe extra args: {extra or 'none'}")
    print(f"{'job':<4}{'tool':<9}{'wall s':>9}{'cpu s':>9}{'rss MB':>9}")
    for key, r in results.items():
        if key in ("rss", "trace"):
            continue
        print(f"{key:<5}{r['title']}")
        for t in ("isopipe", "ffmpeg"):
            m = r[t]
            print(f"{'':<4}{t:<9}{m['wall']:>9.2f}{m['cpu']:>9.2f}{m['rss_kb'] / 1024:>9.1f}")
        q = r["ratio"]
        print(f"{'':<4}{'ratio':<9}{q['wall']:>9.3f}{q['cpu']:>9.3f}{q['rss_kb']:>9.3f}")
        if "serial" in r:
            m, q = r["serial"], r["vs_serial"]
            print(f"{'':<4}{'serial':<9}{m['wall']:>9.2f}{m['cpu']:>9.2f}{m['rss_kb'] / 1024:>9.1f}")
            print(f"{'':<4}{'/serial':<9}{q['wall']:>9.3f}{q['cpu']:>9.3f}{q['rss_kb']:>9.3f}")
        print(f"{'':<4}isopipe wall / (cpu / cores): {r['wall_per_cpu_cores']:.3f}")
        for t, v in r.get("quality", {}).items():
            print(f"{'':<4}{t:<9}frames {v['frames']}, duration {v['duration']:.3f} s, "
                  f"PSNR {v['psnr']:.3f} dB")
    if "trace" in results:
        r = results["trace"]
        print(f"trace {r['title']}: wall {r['off']['wall']:.2f} -> {r['on']['wall']:.2f} s "
              f"({r['wall_overhead'] * 100:+.1f} %), cpu {r['cpu_overhead'] * 100:+.1f} %")
    if "rss" in results:
        r = results["rss"]
        print(f"rss {r['title']}: {r['hd10_kb'] / 1024:.1f} MB -> {r['hd60_kb'] / 1024:.1f} MB "
              f"({r['growth'] * 100:+.1f} %)")


if __name__ == "__main__":
    main()
