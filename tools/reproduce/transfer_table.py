#!/usr/bin/python3
"""The transfer table of tools/reproduce/sound_transfer.sh, from `edgestream eval --report`.

    transfer_table.py [--no-mean] NAME HEAD.csv HEAD_INT8.csv CNN.csv [NAME HEAD.csv ...]

Each group is one run (a seed and a test fold): the predictions.csv of the head (float32 and
int8) and of the DS-CNN on the same clips. Fused is the mean of the head's and the DS-CNN's
window probabilities, then, by clip, the mean over a clip's windows (edgestream's own fusion,
clip_fusion.py). Windows are matched by clip name and position in the clip, so the two
datasets need not list their clips in the same order. Prints a Markdown table with a row per
run and, unless --no-mean (rows that are not repeats of one recipe), their mean. A comparison script (docs/results.md), not part of the product.
"""
import collections
import sys

import numpy as np

from clip_fusion import load


def by_clip(path):
    """{clip name: (window probabilities [windows, classes], label)} of a predictions.csv."""
    p, labels, clips, _ = load(path)
    rows = collections.defaultdict(list)
    for i, clip in enumerate(clips):
        rows[clip.rsplit("/", 1)[-1]].append(i)
    return {clip: (p[idx], labels[idx[0]]) for clip, idx in rows.items()}


def accuracies(scored):
    """(window accuracy, clip accuracy) of {clip: (probabilities, label)}."""
    windows = sum(len(p) for p, _ in scored.values())
    right = sum(int(np.sum(p.argmax(1) == y)) for p, y in scored.values())
    clips = sum(int(p.mean(0).argmax() == y) for p, y in scored.values())
    return right / windows, clips / len(scored)


def main():
    args = sys.argv[1:]
    with_mean = not (args and args[0] == "--no-mean")
    if not with_mean:
        args = args[1:]
    if not args or len(args) % 4:
        sys.exit(__doc__)
    columns = ("head", "head int8", "DS-CNN", "fused")
    print("| run | clips | " + " | ".join(f"{c}: window / clip" for c in columns) + " |")
    print("|---|---:|" + "---:|" * len(columns))
    totals = []
    for at in range(0, len(args), 4):
        name, head, head_int8, cnn = args[at:at + 4]
        h, q, c = by_clip(head), by_clip(head_int8), by_clip(cnn)
        for other, path in ((q, head_int8), (c, cnn)):
            if other.keys() != h.keys() or any(
                    len(other[k][0]) != len(h[k][0]) or other[k][1] != h[k][1] for k in h):
                sys.exit(f"{path}: other clips, windows or labels than {head}")
        fused = {k: ((h[k][0] + c[k][0]) / 2, h[k][1]) for k in h}
        scores = [accuracies(x) for x in (h, q, c, fused)]
        totals.append(scores)
        print(f"| {name} | {len(h)} | " +
              " | ".join(f"{w:.1%} / {k:.1%}" for w, k in scores) + " |")
    if not with_mean:
        return
    mean = np.mean(totals, 0)
    print(f"| mean of {len(totals)} | | " +
          " | ".join(f"{w:.1%} / {k:.1%}" for w, k in mean) + " |")


if __name__ == "__main__":
    main()
