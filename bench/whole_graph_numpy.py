#!/usr/bin/python3
"""The edgestream preprocessing graphs in NumPy/SciPy, as a notebook would write them, for
bench/whole_graph.sh. Each clip: read the WAV (scipy.io.wavfile), int16 -> float32 in [-1, 1),
channels averaged, resampled with scipy.signal.resample_poly (each clip alone), then

  thesis   30 kHz, 1 s windows every 0.5 s with the same tail rule as edgewindow (pad the last
           window only when it holds samples no full window covered), z-score with the thesis
           statistics, reshape to 173 x 173 (floor, truncate)
  logmel   16 kHz, 1 s windows every 0.5 s (same tail rule), each 49 x 40 log-mel: 30 ms
           periodic-Hann frames every 20 ms, 512-point FFT power, 40 Slaney mel bands (Slaney
           normalization), dB, floor 80 dB below each window's peak

usage: whole_graph_numpy.py thesis|logmel FILE... | -      (-: one path per line on stdin)
Prints the window count and "steady_wall <s> steady_cpu <s> audio <s>" for the clip loop
(the imports and start-up are not in it: bench/whole_graph.sh times the whole process too).
"""
import sys
import time
from math import gcd

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

MEAN, STD = -0.0008, 0.2161


def windows(x, size, hop):
    n = len(x)
    full = (n - size) // hop + 1 if n >= size else 0
    starts = [k * hop for k in range(full)]
    covered = (full - 1) * hop + size if full else 0
    if n > covered and full * hop < n:
        starts.append(full * hop)
    out = np.zeros((len(starts), size), dtype=np.float32)
    for i, s in enumerate(starts):
        seg = x[s:s + size]
        out[i, :len(seg)] = seg
    return out


def hz_to_mel(f):  # Slaney: linear below 1 kHz, logarithmic above
    f = np.asarray(f, dtype=np.float64)
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0),
                    f / (200.0 / 3))


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3))


def mel_filters(rate, n_fft, bands):
    freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(rate / 2), bands + 2))
    fb = np.zeros((bands, len(freqs)))
    for b in range(bands):
        lo, mid, hi = edges[b], edges[b + 1], edges[b + 2]
        fb[b] = np.maximum(0, np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)))
        fb[b] *= 2.0 / (hi - lo)
    return fb.astype(np.float32)


GRAPHS = {"thesis": 30000, "logmel": 16000}


def main():
    graph = sys.argv[1]
    rate_out = GRAPHS[graph]
    files = [line.strip() for line in sys.stdin if line.strip()] if sys.argv[2:] == ["-"] else sys.argv[2:]
    size, hop = rate_out, rate_out // 2
    side = int(np.floor(np.sqrt(size)))
    frame, frame_hop, n_fft = 480, 320, 512
    hann = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame) / frame)).astype(np.float32)
    mel = mel_filters(rate_out, n_fft, 40)
    n_frames = (size - frame) // frame_hop + 1

    wall0, cpu0 = time.perf_counter(), time.process_time()
    count, audio = 0, 0.0
    for path in files:
        rate, pcm = wavfile.read(path)
        x = pcm.astype(np.float32) / 32768.0 if pcm.dtype == np.int16 else pcm.astype(np.float32)
        if x.ndim > 1:
            x = x.mean(axis=1)
        audio += len(x) / rate
        g = gcd(rate_out, rate)
        y = resample_poly(x, rate_out // g, rate // g).astype(np.float32)
        w = windows(y, size, hop)
        if graph == "thesis":
            w = (w - MEAN) / STD
            out = w[:, :side * side].reshape(-1, side, side, 1)
        else:
            idx = np.arange(n_frames)[:, None] * frame_hop + np.arange(frame)[None, :]
            frames = w[:, idx] * hann  # (windows, 49, 480)
            power = np.abs(np.fft.rfft(frames, n_fft, axis=-1)) ** 2
            db = 10.0 * np.log10(np.maximum(power @ mel.T, 1e-10))
            out = np.maximum(db, db.max(axis=(1, 2), keepdims=True) - 80.0)
        count += out.shape[0]
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(f"windows {count} ({graph}) from {len(files)} clips")
    print(f"steady_wall {wall:.3f} steady_cpu {cpu:.3f} audio {audio:.0f}")


if __name__ == "__main__":
    main()
