#!/usr/bin/python3
"""The table of tools/reproduce/sound_logmel_curve.sh, from its eval reports.

    /usr/bin/python3 tools/reproduce/curve_table.py REPORTS

Each REPORTS/n<size>-s<seed>-<run>-eval/MODEL/predictions.csv adds its windows to its size and
seed, split by test part (the dataset's fold): accuracy by window, and by clip with
edgestream's own fusion (the mean of a clip's window probabilities; clip_fusion.py), pooled
over the runs of a size and seed, and per part. A comparison script, not part of the product.
"""
import collections
import glob
import os
import re
import sys

from clip_fusion import clip_hits, load


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    hits = collections.defaultdict(lambda: [0, 0, 0, 0])  # (size, seed, part): windows, clips
    for report in sorted(glob.glob(os.path.join(sys.argv[1], "n*-s*-*-eval"))):
        size, seed = map(int, re.match(r"n(\d+)-s(\d+)-", os.path.basename(report)).groups())
        for predictions in glob.glob(os.path.join(report, "*", "predictions.csv")):
            p, labels, clips, folds = load(predictions)
            for part in sorted(set(folds.tolist())):
                mask = folds == part
                entry = hits[(size, seed, part)]
                entry[0] += int((p[mask].argmax(1) == labels[mask]).sum())
                entry[1] += int(mask.sum())
                right, total = clip_hits(p[mask], labels[mask],
                                         [c for c, m in zip(clips, mask) if m], "mean")
                entry[2] += right
                entry[3] += total
    print("| training clips | seed | test clips | window | clip | clip on part 1 / 2 / 3 / 4 |")
    print("|---:|---:|---:|---:|---:|---|")
    for size in sorted({key[0] for key in hits}):
        scores = []
        for seed in sorted({key[1] for key in hits if key[0] == size}):
            parts = [hits.get((size, seed, part)) for part in (1, 2, 3, 4)]
            total = [sum(p[i] for p in parts if p) for i in range(4)]
            window, clip = 100 * total[0] / total[1], 100 * total[2] / total[3]
            scores.append((window, clip))
            shown = " / ".join(f"{100 * p[2] / p[3]:.1f}" if p else "-" for p in parts)
            print(f"| {size} | {seed} | {total[3]} | {window:.1f} % | {clip:.1f} % | {shown} |")
        if len(scores) > 1:
            print(f"| {size} | mean of {len(scores)} | "
                  f"| {sum(s[0] for s in scores) / len(scores):.1f} % "
                  f"| {sum(s[1] for s in scores) / len(scores):.1f} % | seeds "
                  f"{min(s[1] for s in scores):.1f}-{max(s[1] for s in scores):.1f} % by clip |")


if __name__ == "__main__":
    main()
