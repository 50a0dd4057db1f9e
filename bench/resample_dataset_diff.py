#!/usr/bin/python3
"""How much datasets made with audioresample and with edgeresample differ: the thesis's 1 s
windows (22.05 -> 30 kHz, every 0.5 s, tail padded, before the z-score) of every clip of a
UrbanSound8K folder, made three ways and compared window by window:

  stock      edgedatasetsrc ! audioconvert ! audioresample ! 30 kHz ! edgewindow: one pipeline
             for every clip (the graph before issue 15; audioresample's state carries over)
  stock/reset  the same graph run once per clip (filesrc ! wavparse ...): audioresample with
             a clean state for every clip, i.e. its filter alone
  edge       edgedatasetsrc rate=30000 channels=1 ! edgewindow (every clip alone)

Prints, for each pair, the relative error per window ||a - b|| / ||b|| (median, 95th
percentile, maximum, and the share of windows above 1 %) and the relative MSE over all windows.

usage: resample_dataset_diff.py BUILD_DIR US8K_DIR [FOLDS]   (FOLDS: default 1, e.g. 1,2;
       GST_PLUGIN_PATH from BUILD_DIR/plugins)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

WINDOW = "edgewindow size=1.0 hop=0.5 tail=pad"
CAPS = "audio/x-raw,format=F32LE,rate=30000,channels=1"
FLOATS = 30000


def windows_of(args):
    """Runs gst-launch-1.0 ARGS ... ! fdsink and returns its windows as (n, 30000) float32."""
    out = subprocess.run(["gst-launch-1.0", "-q"] + args + ["!", "fdsink", "fd=1"],
                         stdout=subprocess.PIPE, check=True).stdout
    return np.frombuffer(out, "<f4").reshape(-1, FLOATS)


def main():
    build, data = sys.argv[1], sys.argv[2]
    folds = sys.argv[3] if len(sys.argv) > 3 else "1"
    env_path = os.path.join(build, "plugins")
    os.environ["GST_PLUGIN_PATH_1_0"] = env_path
    os.environ.setdefault("GST_REGISTRY_1_0", os.path.join(tempfile.gettempdir(), "diff-registry.bin"))
    source = ["edgedatasetsrc", f"location={data}", "layout=urbansound8k", f"folds={folds}"]
    stock = windows_of(source + ["!", "audioconvert", "!", "audioresample", "!", CAPS, "!"] + WINDOW.split())
    edge = windows_of(source + ["rate=30000", "channels=1", "!"] + WINDOW.split())
    files = []
    for line in open(os.path.join(data, "metadata.csv")).read().splitlines()[1:]:
        cols = line.split(",")
        if cols[4] in folds.split(","):
            files.append(os.path.join(data, "audio", "fold" + cols[4], cols[0]))
    reset = np.concatenate([windows_of(["filesrc", f"location={f}", "!", "wavparse", "!", "audioconvert",
                                        "!", "audioresample", "!", CAPS, "!"] + WINDOW.split())
                            for f in files])
    print(f"{len(files)} clips; windows: stock {len(stock)}, stock/reset {len(reset)}, edge {len(edge)}")

    def compare(name, a, b):
        if len(a) != len(b):
            print(f"| {name} | window counts differ: {len(a)} vs {len(b)} |")
            return
        num = np.linalg.norm((a - b).astype(np.float64), axis=1)
        den = np.linalg.norm(b.astype(np.float64), axis=1)
        rel = num[den > 0] / den[den > 0]
        mse = np.sum(num ** 2) / np.sum(den ** 2)
        p = lambda q: 100 * np.percentile(rel, q)
        print(f"| {name} | {len(rel)} | {p(50):.3f} % | {p(95):.3f} % | {100 * rel.max():.2f} % | "
              f"{100 * np.mean(rel > 0.01):.1f} % | {100 * mse:.4f} % ({10 * np.log10(mse):.1f} dB) |")

    print("| windows compared | n | median relative error | 95th percentile | max | windows above 1 % | relative MSE |")
    print("|---|---|---|---|---|---|---|")
    compare("stock (one pipeline) vs stock/reset: audioresample's carried state", stock, reset)
    compare("stock/reset vs edge: the filter alone", reset, edge)
    compare("stock (one pipeline) vs edge: datasets before and after", stock, edge)


if __name__ == "__main__":
    main()
