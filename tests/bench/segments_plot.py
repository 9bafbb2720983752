#!/usr/bin/env python3
"""Wall time against --segments for the audio jobs, alternating with ffmpeg; writes an SVG plot.

Usage: tests/bench/segments_plot.py [--build build-bench] [--runs 5] [--segments 1,2,3,4]
                                    [--jobs d,opus,aac] [--svg docs/segments-wall.svg]
Each round runs ffmpeg once and isopipe once per segment count, in a rotating order; the
figures are medians. The source is compare_ffmpeg.py's (120 s of real corpus audio as FLAC).
No dependency beyond Python's standard library.
"""
import argparse
import os
import shutil
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_ffmpeg as cf  # noqa: E402

JOBS = {
    "d": ("FLAC -> MP3 192k", ["-c:a", "libmp3lame", "-b:a", "192k"], "mp3"),
    "opus": ("FLAC -> Opus 128k", ["-c:a", "libopus", "-b:a", "128k"], "opus"),
    "aac": ("FLAC -> AAC 192k", ["-c:a", "aac", "-b:a", "192k"], "m4a"),
}
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]


def svg(results, segs, path):
    w, h, l, r, t, b = 640, 400, 70, 150, 30, 50
    top = max(max(v["ffmpeg"], *v["iso"].values()) for v in results.values()) * 1.1
    x = lambda s: l + (s - segs[0]) * (w - l - r) / max(1, segs[-1] - segs[0])  # noqa: E731
    y = lambda v: t + (h - t - b) * (1 - v / top)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="18" text-anchor="middle">120 s FLAC: wall time against '
           f'--segments (medians; dashed: ffmpeg)</text>',
           f'<line x1="{l}" y1="{h - b}" x2="{w - r}" y2="{h - b}" stroke="black"/>',
           f'<line x1="{l}" y1="{t}" x2="{l}" y2="{h - b}" stroke="black"/>',
           f'<text x="{(l + w - r) / 2}" y="{h - 12}" text-anchor="middle">segments</text>',
           f'<text x="16" y="{(t + h - b) / 2}" transform="rotate(-90 16 {(t + h - b) / 2})" '
           f'text-anchor="middle">wall (s)</text>']
    for s in segs:
        out.append(f'<text x="{x(s)}" y="{h - b + 16}" text-anchor="middle">{s}</text>')
    for i in range(6):
        v = top * i / 5
        out.append(f'<text x="{l - 6}" y="{y(v) + 4}" text-anchor="end">{v:.2f}</text>')
        out.append(f'<line x1="{l}" y1="{y(v)}" x2="{w - r}" y2="{y(v)}" stroke="#ddd"/>')
    for k, (job, v) in enumerate(results.items()):
        c = COLORS[k % len(COLORS)]
        pts = " ".join(f"{x(s)},{y(v['iso'][s])}" for s in segs)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2"/>')
        for s in segs:
            out.append(f'<circle cx="{x(s)}" cy="{y(v["iso"][s])}" r="3" fill="{c}"/>')
        out.append(f'<line x1="{l}" y1="{y(v["ffmpeg"])}" x2="{w - r}" y2="{y(v["ffmpeg"])}" '
                   f'stroke="{c}" stroke-dasharray="5,4"/>')
        out.append(f'<text x="{w - r + 8}" y="{t + 16 + 18 * k}" fill="{c}">{JOBS[job][0]}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(cf.ROOT, "build-bench"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--segments", default="1,2,3,4")
    ap.add_argument("--jobs", default="d,opus,aac")
    ap.add_argument("--work", default="/tmp/isopipe-bench")
    ap.add_argument("--svg", default=os.path.join(cf.ROOT, "docs", "segments-wall.svg"))
    a = ap.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        sys.exit("bench: ffmpeg not installed")
    iso = os.path.join(a.build, "tools", "isopipe")
    os.makedirs(a.work, exist_ok=True)
    src = cf.make_real(ffmpeg, f"{a.work}/a120-real.flac", cf.corpus_file("audio/bear.flac"), 44,
                       ["-t", "120", "-c:a", "flac", "-ar", "44100", "-ac", "2"])
    segs = [int(s) for s in a.segments.split(",")]
    results = {}
    print(f"runs: {a.runs} rounds, medians; wall s (cpu s)")
    for job in a.jobs.split(","):
        title, args, ext = JOBS[job]
        cmds = {"ffmpeg": [ffmpeg, "-y", "-v", "error", "-nostdin", "-i", src] + args +
                [f"{a.work}/seg-ff.{ext}"]}
        for s in segs:
            cmds[s] = [iso, "-y", "-v", "error", "-nostdin", "--segments", str(s), "-i", src] + \
                args + [f"{a.work}/seg-{s}.{ext}"]
        keys = list(cmds)
        samples = {k: [] for k in keys}
        for i in range(a.runs):
            for k in keys[i % len(keys):] + keys[:i % len(keys)]:
                samples[k].append(cf.run(cmds[k]))
        med = {k: {m: statistics.median(x[m] for x in samples[k]) for m in ("wall", "cpu", "rss_kb")}
               for k in keys}
        results[job] = {"ffmpeg": med["ffmpeg"]["wall"], "iso": {s: med[s]["wall"] for s in segs}}
        ff = med["ffmpeg"]
        print(f"{job:<5} {title}: ffmpeg {ff['wall']:.3f} ({ff['cpu']:.3f}) rss {ff['rss_kb'] / 1024:.1f} MB")
        for s in segs:
            m = med[s]
            print(f"      segments {s}: {m['wall']:.3f} ({m['cpu']:.3f}) rss {m['rss_kb'] / 1024:.1f} MB"
                  f"  wall x{m['wall'] / ff['wall']:.3f} cpu x{m['cpu'] / ff['cpu']:.3f}"
                  f" rss x{m['rss_kb'] / ff['rss_kb']:.3f}")
    svg(results, segs, a.svg)
    print(f"plot: {a.svg}")


if __name__ == "__main__":
    main()
