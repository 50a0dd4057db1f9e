#!/usr/bin/python3
"""The edgestream sound preprocessing in NumPy/SciPy, as a notebook would write it, for
bench/whole_graph.sh: read each WAV (scipy.io.wavfile), int16 -> float32 in [-1, 1),
resample 22.05 -> 30 kHz (scipy.signal.resample_poly 200/147), 1 s windows every 0.5 s with
the same tail rule as edgewindow (pad the last window only when it holds samples no full
window covered), z-score with the thesis statistics, reshape to 173 x 173 (floor, truncate).

usage: whole_graph_numpy.py DATA_DIR   (DATA_DIR holds audio/fold1, audio/fold2)
Prints the window count and "wall <s> cpu <s> audio <s>".
"""
import glob
import os
import sys
import time

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

RATE = 30000
SIZE, HOP = RATE, RATE // 2
MEAN, STD = -0.0008, 0.2161
SIDE = int(np.floor(np.sqrt(SIZE)))


def windows(x):
    n = len(x)
    full = (n - SIZE) // HOP + 1 if n >= SIZE else 0
    starts = [k * HOP for k in range(full)]
    covered = (full - 1) * HOP + SIZE if full else 0
    if n > covered and full * HOP < n:
        starts.append(full * HOP)
    out = np.zeros((len(starts), SIZE), dtype=np.float32)
    for i, s in enumerate(starts):
        seg = x[s:s + SIZE]
        out[i, :len(seg)] = seg
    return out


def main():
    data = sys.argv[1]
    files = sorted(glob.glob(os.path.join(data, "audio", "fold1", "*.wav")) +
                   glob.glob(os.path.join(data, "audio", "fold2", "*.wav")))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    count, audio = 0, 0.0
    for path in files:
        rate, pcm = wavfile.read(path)
        x = pcm.astype(np.float32) / 32768.0
        if x.ndim > 1:
            x = x.mean(axis=1)
        audio += len(x) / rate
        y = resample_poly(x, RATE // 150, rate // 150).astype(np.float32)  # 200/147 from 22050
        w = windows(y)
        w = (w - MEAN) / STD
        images = w[:, :SIDE * SIDE].reshape(-1, SIDE, SIDE, 1)
        count += images.shape[0]
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(f"windows {count} of {SIDE}x{SIDE} from {len(files)} clips")
    print(f"wall {wall:.3f} cpu {cpu:.3f} audio {audio:.0f} -> {audio / wall:.0f}x real time (wall), "
          f"{audio / cpu:.0f}x (cpu)")


if __name__ == "__main__":
    main()
