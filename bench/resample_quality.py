#!/usr/bin/python3
"""Measured quality of resamplers, for docs/benchmarks.md ("Resampling").

Every engine is run through `bench_resample convert ENGINE IN OUT` (raw float32 mono in and
out); `gst-element` runs GStreamer's audioresample element itself through gst-launch-1.0.
For each conversion IN -> OUT it measures, with B = the lower of the two Nyquist frequencies:

  ripple     peak-to-peak gain (dB) of 0.5 s tones from 20 Hz to 0.85 B
  -0.1 / -3  where the gain falls 0.1 dB and 3 dB below 1 kHz's (fraction of B)
  spurious   worst level (dB below the tone) of everything that is not the tone in the
             output of a tone from 20 Hz to 0.85 B: images (up), aliases (down), noise
  alias      (down only) worst output level of a tone from B to the input's Nyquist
             (dB below the tone): what the filter lets fold back
  sweep      worst spurious level in a spectrogram of a 10 s linear sweep from 0 to 0.99 x
             the input Nyquist (Kaiser window, beta 20): any component farther than 250 Hz
             from the sweep's frequency, or anything at all while the sweep is above B
  delay      the engine's constant delay, in input samples (phase of 100 Hz and 1 kHz tones)
  clips      in-band error against an ideal resampling (Kaiser reference flat to 0.95 B,
             150 dB stopband from B) of real recordings, after removing the engine's delay,
             counted below 0.85 B: median and worst over the clips, dB below the clip's
             in-band power

usage: resample_quality.py BENCH_RESAMPLE IN_RATE OUT_RATE [--clips DIR_OR_WAVS...]
                           [--engines a,b,c] [--max-clips N]
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly
from scipy.signal.windows import kaiser
from math import gcd

TMP = tempfile.mkdtemp(prefix="resample-quality-")


def run_engine(bench, engine, x, rin, rout):
    data = np.asarray(x, dtype="<f4").tobytes()
    if engine == "gst-element":
        src, dst = os.path.join(TMP, "in.f32"), os.path.join(TMP, "out.f32")
        with open(src, "wb") as f:
            f.write(data)
        subprocess.run(
            ["gst-launch-1.0", "-q", "filesrc", f"location={src}", "!", "rawaudioparse",
             "format=pcm", "pcm-format=f32le", f"sample-rate={rin}", "num-channels=1", "!",
             "audioresample", "!", f"audio/x-raw,rate={rout}", "!", "filesink",
             f"location={dst}"], check=True)
        return np.fromfile(dst, "<f4").astype(np.float64)
    out = subprocess.run([bench, "convert", engine, str(rin), str(rout)], input=data,
                         stdout=subprocess.PIPE, check=True).stdout
    return np.frombuffer(out, "<f4").astype(np.float64)


def fit_tone(y, rate, f):
    n = len(y)
    skip = n // 5
    t = np.arange(skip, n - skip) / rate
    a = np.stack([np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)], 1)
    seg = y[skip:n - skip]
    c, *_ = np.linalg.lstsq(a, seg, rcond=None)
    resid = seg - a @ c
    return np.hypot(*c), np.sqrt(np.mean(resid ** 2))


def tone(rate, f, seconds=0.5, amp=0.5):
    return amp * np.sin(2 * np.pi * f * np.arange(int(rate * seconds)) / rate)


def db(x):
    return 20 * np.log10(max(x, 1e-30))


def passband(bench, engine, rin, rout):
    band = min(rin, rout) / 2
    freqs = np.concatenate([[20, 100, 1000], np.linspace(0.05, 0.85, 17) * band])
    gains, spurious = [], []
    for f in freqs:
        amp, resid = fit_tone(run_engine(bench, engine, tone(rin, f), rin, rout), rout, f)
        gains.append(db(amp / 0.5))
        spurious.append(db(resid / (0.5 / np.sqrt(2))))
    ref = gains[2]
    # Edges: a fine grid from 0.8 B up.
    edge_f = np.linspace(0.80, 1.0, 41) * band
    edge_g = [db(fit_tone(run_engine(bench, engine, tone(rin, f), rin, rout), rout, f)[0] / 0.5)
              - ref for f in edge_f]

    def edge_at(level):
        for i in range(1, len(edge_f)):
            if edge_g[i] < level:
                f0, f1, g0, g1 = edge_f[i - 1], edge_f[i], edge_g[i - 1], edge_g[i]
                return (f0 + (level - g0) / (g1 - g0) * (f1 - f0)) / band
        return float("nan")

    return {"ripple": max(gains) - min(gains), "edge01": edge_at(-0.1), "edge3": edge_at(-3.0),
            "spurious": max(spurious)}


def alias(bench, engine, rin, rout):
    if rout >= rin:
        return float("nan")
    band = rout / 2
    worst = -400.0
    for f in np.linspace(1.0, 0.99 * rin / rout, 25) * band:
        y = run_engine(bench, engine, tone(rin, f), rin, rout)
        skip = len(y) // 5
        level = np.sqrt(np.mean(y[skip:len(y) - skip] ** 2)) / (0.5 / np.sqrt(2))
        worst = max(worst, db(level))
    return worst


def sweep(bench, engine, rin, rout, seconds=10.0):
    n = int(rin * seconds)
    top = 0.99 * rin / 2
    t = np.arange(n) / rin
    x = 0.5 * np.sin(np.pi * top / seconds * t ** 2)  # instantaneous frequency top * t / seconds
    y = run_engine(bench, engine, x, rin, rout)
    win = 2048
    w = kaiser(win, 20.0)
    gain = np.sum(w) / 2 * 0.5  # a full-scale 0.5 tone's peak bin
    band = min(rin, rout) / 2
    freqs = np.fft.rfftfreq(win, 1 / rout)
    worst = -400.0
    for start in range(0, len(y) - win, win // 2):
        centre = (start + win / 2) / rout
        f = top * centre / seconds
        if centre < 0.2 or centre > seconds - 0.2:
            continue
        spectrum = np.abs(np.fft.rfft(y[start:start + win] * w)) / gain
        if f <= band:
            mask = np.abs(freqs - f) > 250.0
        else:
            mask = np.ones_like(freqs, dtype=bool)
        worst = max(worst, db(spectrum[mask].max()))
    return worst


def reference(x, rin, rout):
    """Kaiser-windowed sinc (beta 16, about 150 dB) cut at 0.975 B with a transition of
    0.05 B: flat to 0.95 B, stopband from B; applied by scipy's polyphase resample_poly."""
    g = gcd(rin, rout)
    up, down = rout // g, rin // g
    band = min(1.0 / up, 1.0 / down) / 2  # B in cycles per sample of the rate up x rin
    fc, width, atten = 0.975 * band, 0.05 * band, 150.0
    half = int(np.ceil((atten - 7.95) / (2.285 * 2 * np.pi * width) / 2))
    n = np.arange(-half, half + 1)
    h = 2 * fc * np.sinc(2 * fc * n) * kaiser(len(n), 0.1102 * (atten - 8.7))  # x up: scipy
    return resample_poly(x, up, down, window=h)


def delay(bench, engine, rin, rout):
    """The engine's constant delay (s): the phase of a 100 Hz tone, refined with 1 kHz."""
    estimate = 0.0
    for f in (100.0, 1000.0):
        y = run_engine(bench, engine, tone(rin, f, 1.0), rin, rout)
        n = len(y)
        t = np.arange(n // 5, n - n // 5) / rout
        a = np.stack([np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)], 1)
        c, *_ = np.linalg.lstsq(a, y[n // 5:n - n // 5], rcond=None)
        measured = -np.arctan2(c[1], c[0]) / (2 * np.pi * f)  # modulo 1 / f
        period = 1.0 / f
        estimate = measured + period * np.round((estimate - measured) / period)
    return estimate


def inband_error(y, yref, rin, rout, lag):
    """dB of (y advanced by `lag` seconds) - yref below 0.85 B, against yref there."""
    n = min(len(y), len(yref))
    edge = int(0.02 * rout)  # the clip's first and last 20 ms: edge handling differs
    fa = np.fft.rfft(y[:n])
    freqs = np.fft.rfftfreq(n, 1 / rout)
    a = np.fft.irfft(fa * np.exp(2j * np.pi * freqs * lag), n)[edge:n - edge]
    b = yref[edge:n - edge]
    fa, fb = np.fft.rfft(a), np.fft.rfft(b)
    keep = np.fft.rfftfreq(len(a), 1 / rout) < 0.85 * min(rin, rout) / 2
    signal = np.sum(np.abs(fb[keep]) ** 2)
    error = np.sum(np.abs(fa[keep] - fb[keep]) ** 2)
    return 10 * np.log10(error / signal) if signal > 0 else float("nan")


def load_clip(path):
    rate, pcm = wavfile.read(path)
    x = pcm.astype(np.float64)
    if pcm.dtype == np.int16:
        x /= 32768.0
    elif pcm.dtype == np.int32:
        x /= 2147483648.0
    if x.ndim > 1:
        x = x.mean(axis=1)
    return rate, x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("rin", type=int)
    ap.add_argument("rout", type=int)
    ap.add_argument("--engines", default="edge,gst:4,gst-element,soxr:HQ,soxr:edge,src:fastest,speex:4")
    ap.add_argument("--clips", nargs="*", default=[])
    ap.add_argument("--max-clips", type=int, default=40)
    args = ap.parse_args()
    clips = []
    for c in args.clips:
        clips += sorted(glob.glob(os.path.join(c, "**", "*.wav"), recursive=True)) if os.path.isdir(c) else [c]
    # Every k-th clip, so that the classes are mixed.
    if len(clips) > args.max_clips:
        clips = clips[:: len(clips) // args.max_clips][: args.max_clips]
    loaded = [load_clip(c) for c in clips]
    loaded = [(r, x) for r, x in loaded if r == args.rin]
    refs = [reference(x, args.rin, args.rout) for _, x in loaded]

    print(f"{args.rin} -> {args.rout} Hz; B = {min(args.rin, args.rout) / 2:.0f} Hz; "
          f"{len(loaded)} real clips at {args.rin} Hz")
    print("| engine | ripple to 0.85 B | -0.1 dB edge | -3 dB edge | worst spurious (tones) "
          "| worst alias (tones above B) | worst spurious (sweep) | delay | clips: median / worst in-band error |")
    print("|---|---|---|---|---|---|---|---|---|")
    for engine in args.engines.split(","):
        p = passband(args.bench, engine, args.rin, args.rout)
        a = alias(args.bench, engine, args.rin, args.rout)
        s = sweep(args.bench, engine, args.rin, args.rout)
        lag = delay(args.bench, engine, args.rin, args.rout)
        errs = [inband_error(run_engine(args.bench, engine, x, args.rin, args.rout), ref,
                             args.rin, args.rout, lag) for (_, x), ref in zip(loaded, refs)]
        clip_text = f"{np.median(errs):.1f} / {max(errs):.1f} dB" if errs else "-"
        alias_text = "-" if np.isnan(a) else f"{a:.1f} dB"
        print(f"| {engine} | {p['ripple']:.4f} dB | {p['edge01']:.3f} | {p['edge3']:.3f} | "
              f"{p['spurious']:.1f} dB | {alias_text} | {s:.1f} dB | {lag * args.rin:.3f} in | "
              f"{clip_text} |", flush=True)


if __name__ == "__main__":
    main()
