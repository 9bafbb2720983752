#!/usr/bin/env python3
"""The fault campaign: real inputs through isopipe (and ffmpeg) under faults of the system.

Faults: a full disk (tmpfs of 16, 64 and 256 KiB), a read-only output
directory (a read-only tmpfs), `ulimit -f` (8, 32, 128 KiB), `ulimit -n`
(8, 12, 16, 24), `ulimit -v` (256, 512, 1024 MiB; with the --plain build,
ASan cannot run under it), a pipe cut by `head -c` (1, 16, 256 KiB),
SIGINT, SIGTERM and SIGXCPU at seeded moments of the run, and 32 and 64
jobs at once. Each input and option set first runs without a fault: that
run's packets are what any exit 0 under a fault must still hold.

Verdicts per run: a crash (signal), sanitizer report, hang (timeout) or
exit 0 with fewer packets than the run without the fault is a bug; exit 1
must come with an `isopipe: STAGE (FILE): reason` line; after a signal, exit
128+N (or 0, finished first) and an output that opens; death by the signal
itself counts apart (before the handler is installed). ffmpeg runs under the
same fault for the report (its exit codes are tallied, not judged).

Usage: fault_campaign.py ISOPIPE OUTDIR [--plain ISOPIPE_PLAIN] [--phases a,b]
       [--jobs N] [SEED_FILES...]
Needs root for the tmpfs mounts (the phases that need them are skipped
otherwise). Prints one line per finding and a JSON summary per phase.
"""
import concurrent.futures
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time

import hostile_campaign as hc

OPTION_SETS = {
    "transcode": ["-c:v", "mpeg4", "-s", "160x120", "-c:a", "aac", "-ac", "1", "-f", "matroska"],
    "copy": ["-c", "copy", "-f", "matroska"],
    "mp4": ["-c:v", "mpeg4", "-s", "160x120", "-c:a", "aac", "-f", "mp4"],
}
TIMEOUT = 60
PIPE_BUFFER = 64 << 10
STAGE_LINE = re.compile(r"^isopipe: [a-z]+(:[a-z0-9]+)? \(", re.M)
PHASES = ["disk_full", "read_only", "fsize", "nofile", "vmem", "pipe_cut", "signals", "concurrent"]


def limits(rl):
    def apply():
        os.nice(19)
        for res, v in rl:
            resource.setrlimit(res, (v, v))
    return apply


def run(cmd, out=None, rl=(), timeout=TIMEOUT, env=None, shell=False, sig=None):
    """(rc, stderr, wall): rc is 'timeout' or the exit code (negative: a signal)."""
    if out and os.path.exists(out):
        os.unlink(out)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                         preexec_fn=limits(rl), shell=shell, executable="/bin/bash" if shell else None)
    if sig:
        delay, signo = sig
        try:
            _, err = p.communicate(timeout=delay)
            return p.returncode, err.decode("utf-8", "replace"), time.monotonic() - t0
        except subprocess.TimeoutExpired:
            p.send_signal(signo)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return "timeout", "", time.monotonic() - t0
    return p.returncode, err.decode("utf-8", "replace"), time.monotonic() - t0


def packets(path):
    r = hc.probe(path) if path and os.path.exists(path) else None
    return None if r is None else sum(r[0].values())


class Campaign:
    def __init__(self, iso, plain, outdir, env):
        self.iso, self.plain, self.outdir, self.env = iso, plain or iso, outdir, env
        self.counts = {}
        self.ref = {}
        self.findings = 0

    def count(self, phase, key):
        c = self.counts.setdefault(phase, {})
        c[key] = c.get(key, 0) + 1

    def finding(self, phase, what, inp, opt, detail):
        self.findings += 1
        self.count(phase, "BUG " + what)
        print("BUG %-10s %-9s %s: %s: %s" % (phase, opt, os.path.basename(inp), what, detail), flush=True)

    def reference(self, inp, opt, idx):
        """Packets and wall time of the run without a fault (None: it fails anyway)."""
        key = (inp, opt)
        if key not in self.ref:
            out = os.path.join(self.outdir, "ref-%d-%s.%s" % (idx, opt, "mp4" if opt == "mp4" else "mkv"))
            rc, _, wall = run(self.cmd(self.plain, inp, opt, out), out, env=self.env)
            self.ref[key] = (packets(out), wall) if rc == 0 else (None, wall)
            if os.path.exists(out):
                os.unlink(out)
        return self.ref[key]

    @staticmethod
    def cmd(prog, inp, opt, out, ffmpeg=False):
        head = [prog, "-nostdin", "-v", "error"] if ffmpeg else [prog, "-nostdin", "-hide_banner"]
        return head + ["-y", "-i", inp] + OPTION_SETS[opt] + [out]

    def judge(self, phase, inp, opt, rc, err, out, want, signo=None):
        if rc == "timeout":
            return self.finding(phase, "hang", inp, opt, "killed after %d s" % TIMEOUT)
        if rc == 86 or "Sanitizer" in err or "runtime error:" in err:
            return self.finding(phase, "sanitizer report", inp, opt, err.strip()[-300:])
        if rc == 127 and "error while loading shared libraries" in err:
            # The dynamic loader, before isopipe runs: nothing of it to judge.
            return self.count(phase, "could not start: the loader cannot map its libraries")
        if signo and rc == -signo:
            return self.count(phase, "ended by the signal itself")
        if rc < 0:
            return self.finding(phase, "signal %d" % -rc, inp, opt, err.strip()[-200:])
        if rc == 0:
            got = packets(out) if out else None
            if out and want is not None and (got is None or got < want):
                return self.finding(phase, "exit 0 with less", inp, opt, "%s of %s packets" % (got, want))
            return self.count(phase, "exit 0, whole")
        if signo and rc == 128 + signo:
            if out and os.path.exists(out) and os.path.getsize(out) > 0 and packets(out) is None:
                return self.finding(phase, "interrupted output does not open", inp, opt, out)
            return self.count(phase, "stopped by the signal, output finished")
        if rc == 1 and STAGE_LINE.search(err):
            return self.count(phase, "exit 1 naming the stage")
        return self.finding(phase, "exit %s without a stage line" % rc, inp, opt, err.strip()[-200:])

    def ffmpeg_tally(self, phase, rc):
        self.count(phase, "ffmpeg exit %s" % rc)

    def mount(self, name, opts):
        d = os.path.join(self.outdir, name)
        os.makedirs(d, exist_ok=True)
        subprocess.run(["umount", d], capture_output=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", d], capture_output=True)
        return d if r.returncode == 0 else None

    def umount(self, d):
        subprocess.run(["umount", d], capture_output=True)

    # ---- the phases: each yields (callable) work items ----

    def items(self, phase, inputs):
        for idx, inp in enumerate(inputs):
            for opt in OPTION_SETS:
                yield idx, inp, opt

    def one(self, phase, idx, inp, opt, slot):
        want, wall = self.reference(inp, opt, idx)
        ext = "mp4" if opt == "mp4" else "mkv"
        if phase in ("disk_full", "read_only"):
            for size in (["16k", "64k", "256k"] if phase == "disk_full" else ["ro"]):
                d = self.mount("mnt-%s-%d" % (phase, slot), "size=%s" % size if size != "ro" else "ro,size=1m")
                if not d:
                    return self.count(phase, "skipped: cannot mount")
                out = os.path.join(d, "o." + ext)
                rc, err, _ = run(self.cmd(self.iso, inp, opt, out), out, env=self.env)
                self.judge(phase, inp, opt, rc, err, out, want)
                if os.path.exists(out):
                    os.unlink(out)
                frc, _, _ = run(self.cmd("ffmpeg", inp, opt, out, True), out)
                self.ffmpeg_tally(phase, frc)
                if os.path.exists(out):
                    os.unlink(out)
                self.umount(d)
            return
        out = os.path.join(self.outdir, "o-%d.%s" % (slot, ext))
        if phase in ("fsize", "nofile", "vmem"):
            res, values, prog = {
                "fsize": (resource.RLIMIT_FSIZE, [8 << 10, 32 << 10, 128 << 10], self.iso),
                "nofile": (resource.RLIMIT_NOFILE, [8, 12, 16, 24], self.iso),
                "vmem": (resource.RLIMIT_AS, [256 << 20, 512 << 20, 1024 << 20], self.plain),
            }[phase]
            for v in values:
                rc, err, _ = run(self.cmd(prog, inp, opt, out), out, rl=[(res, v)], env=self.env)
                self.judge(phase, inp, opt, rc, err, out, want)
                frc, _, _ = run(self.cmd("ffmpeg", inp, opt, out, True), out, rl=[(res, v)])
                self.ffmpeg_tally(phase, frc)
            return
        if phase == "pipe_cut":
            if opt == "mp4":
                return  # mp4 does not stream to a pipe
            for n in (1 << 10, 16 << 10, 256 << 10):
                c = " ".join("'%s'" % a for a in self.cmd(self.iso, inp, opt, "-"))
                rc, err, _ = run("%s | head -c %d > /dev/null; exit ${PIPESTATUS[0]}" % (c, n),
                                 shell=True, env=self.env)
                # All of it may fit: exit 0 is judged by the size of a whole
                # run. What fits in the pipe's buffer (64 KiB) is written
                # before the reader closes: exit 0 is right then.
                self.judge(phase, inp, opt, rc, err, None, None)
                if rc == 0:
                    full = os.path.join(self.outdir, "pipe-%d.mkv" % slot)
                    run(self.cmd(self.plain, inp, opt, full), full, env=self.env)
                    size = os.path.getsize(full) if os.path.exists(full) else 0
                    if size > n + PIPE_BUFFER:
                        self.finding(phase, "exit 0 with less", inp, opt, "pipe cut at %d B, whole %d B" % (n, size))
                    elif size > n:
                        self.count(phase, "exit 0, all of it in the pipe's buffer")
                    if os.path.exists(full):
                        os.unlink(full)
                f = " ".join("'%s'" % a for a in self.cmd("ffmpeg", inp, opt, "-", True))
                frc, _, _ = run("%s | head -c %d > /dev/null; exit ${PIPESTATUS[0]}" % (f, n), shell=True)
                self.ffmpeg_tally(phase, frc)
            return
        if phase == "signals":
            # The moments are spread over the run of the binary under test
            # (an ASan build starts and runs several times slower).
            rng = random.Random(idx * 7919 + len(opt))
            _, _, wall = run(self.cmd(self.iso, inp, opt, out), out, env=self.env)
            for signo in (signal.SIGINT, signal.SIGTERM, signal.SIGXCPU):
                at = 0.1 * wall + rng.random() * 0.8 * wall
                rc, err, _ = run(self.cmd(self.iso, inp, opt, out), out, env=self.env, sig=(at, signo))
                self.judge(phase, inp, opt, rc, err, out, want, signo=signo)
            return

    def concurrent(self, inputs, n):
        """n jobs at once on the first inputs that transcode: each must be whole."""
        ok = [(i, inp) for i, inp in enumerate(inputs) if self.reference(inp, "transcode", i)[0]]
        if not ok:
            return
        procs = []
        for k in range(n):
            i, inp = ok[k % len(ok)]
            out = os.path.join(self.outdir, "conc-%d.mkv" % k)
            p = subprocess.Popen(self.cmd(self.plain if n > 32 else self.iso, inp, "transcode", out),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env,
                                 preexec_fn=limits(()))
            procs.append((p, i, inp, out))
        for p, i, inp, out in procs:
            try:
                _, err = p.communicate(timeout=TIMEOUT * 4)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                rc, err = "timeout", b""
            self.judge("concurrent%d" % n, inp, "transcode", rc, err.decode("utf-8", "replace"), out,
                       self.reference(inp, "transcode", i)[0])
            if os.path.exists(out):
                os.unlink(out)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__)
        return 2
    iso, outdir = args[0], args[1]
    rest = args[2:]
    plain, phases, jobs, seeds = None, PHASES, 1, []
    while rest:
        a = rest.pop(0)
        if a == "--plain":
            plain = rest.pop(0)
        elif a == "--phases":
            phases = rest.pop(0).split(",")
        elif a == "--jobs":
            jobs = int(rest.pop(0))
        else:
            seeds.append(a)
    src = os.path.dirname(os.path.abspath(__file__)) + "/../.."
    corpus = os.environ.get("ISO_MEDIA_CORPUS", src + "/../shared/media-corpus")
    if not seeds:
        for d in (src + "/media", corpus + "/video", corpus + "/audio"):
            if os.path.isdir(d):
                seeds += sorted(os.path.join(d, f) for f in os.listdir(d)
                                if not f.endswith((".md", ".sh", ".raw"))
                                and os.path.getsize(os.path.join(d, f)) < 1 << 20)
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:exitcode=86")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=86")
    c = Campaign(iso, plain, outdir, env)
    for phase in phases:
        t0 = time.monotonic()
        if phase == "concurrent":
            c.concurrent(seeds, 32)
            c.concurrent(seeds, 64)
        else:
            work = list(c.items(phase, seeds))
            with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
                futs = [ex.submit(c.one, phase, idx, inp, opt, k) if jobs > 1 else None
                        for k, (idx, inp, opt) in enumerate(work)]
                if jobs == 1:
                    for idx, inp, opt in work:
                        c.one(phase, idx, inp, opt, idx)
                for f in futs:
                    if f:
                        f.result()
        for k, v in sorted(c.counts.items()):
            if k.startswith(phase):
                print("phase %s (%.0f s): %s" % (k, time.monotonic() - t0, json.dumps(v, sort_keys=True)),
                      flush=True)
    print("fault campaign: %d findings" % c.findings, flush=True)
    return 1 if c.findings else 0


if __name__ == "__main__":
    sys.exit(main())
