#!/usr/bin/python3
"""Clip accuracy under other fusion rules, and of an ensemble, from `edgestream eval --report`.

    /usr/bin/python3 tools/reproduce/clip_fusion.py REPORT/MODEL/predictions.csv ...

Every file must score the same windows (the same dataset and split). For each model, and for
the ensemble of all of them (the mean of their window probabilities), prints window accuracy
and clip accuracy when a clip's windows are fused by: mean (edgestream's own, clip_scores.h),
logmean (mean log-probability), max (largest probability of any window), vote (most windows'
argmax, ties to the mean) and top3 (mean of each class's three largest window probabilities).
A comparison script (docs/results.md), not part of the product.
"""
import collections
import csv
import sys

import numpy as np


def load(path):
    """A predictions.csv as (probabilities [windows, classes], labels, clips, folds)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{path}: no windows")
    columns = [c for c in rows[0] if c.startswith("p_")]
    probabilities = np.array([[float(r[c]) for c in columns] for r in rows])
    labels = np.array([int(r["label"]) for r in rows])
    folds = np.array([int(r["fold"]) for r in rows])
    return probabilities, labels, [r["clip"] for r in rows], folds


def fuse(p, rule):
    if rule == "mean":
        return p.mean(0)
    if rule == "logmean":
        return np.log(np.maximum(p, 1e-7)).mean(0)
    if rule == "max":
        return p.max(0)
    if rule == "vote":
        return np.bincount(p.argmax(1), minlength=p.shape[1]) + 1e-3 * p.mean(0)
    if rule == "top3":
        return np.sort(p, 0)[-3:].mean(0)
    raise ValueError(rule)


RULES = ("mean", "logmean", "max", "vote", "top3")


def clip_hits(p, labels, clips, rule):
    """(clips labelled right, clips) when each clip's windows are fused by `rule`."""
    windows = collections.defaultdict(list)
    for i, clip in enumerate(clips):
        windows[clip].append(i)
    right = sum(fuse(p[idx], rule).argmax() == labels[idx[0]] for idx in windows.values())
    return int(right), len(windows)


def clip_accuracy(p, labels, clips, rule):
    right, total = clip_hits(p, labels, clips, rule)
    return right / total


def line(name, p, labels, clips):
    scores = " ".join(f"{r} {clip_accuracy(p, labels, clips, r):.3f}" for r in RULES)
    return f"{name:40.40s} window {np.mean(p.argmax(1) == labels):.4f}  clip: {scores}"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    loaded = [load(path) for path in sys.argv[1:]]
    _, labels, clips, _ = loaded[0]
    for path, (p, y, c, _) in zip(sys.argv[1:], loaded):
        if not (np.array_equal(y, labels) and c == clips):
            sys.exit(f"{path}: scores other windows than {sys.argv[1]}")
        print(line(path.split("/")[-2] if "/" in path else path, p, labels, clips))
    if len(loaded) > 1:
        ensemble = np.mean([p for p, _, _, _ in loaded], 0)
        print(line(f"ensemble of {len(loaded)}", ensemble, labels, clips))


if __name__ == "__main__":
    main()
