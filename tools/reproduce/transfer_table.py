#!/usr/bin/python3
"""The transfer table of tools/reproduce/sound_transfer.sh, from `edgestream eval --report`.

    transfer_table.py [--no-mean] NAME HEAD.csv HEAD_INT8.csv CNN.csv [NAME HEAD.csv ...]
    transfer_table.py [--no-mean] --fine-tuned NAME HEAD.csv HEAD_INT8.csv CNN.csv CNN_INT8.csv
                      FT.csv FT_INT8.csv [NAME ...]

Each group is one run (a seed and a test fold): the predictions.csv of the head (float32 and
int8) and of the DS-CNN on the same clips and, with --fine-tuned, of the DS-CNN in int8 and of
the fine-tuned backbone (sound-finetune) in float32 and int8. Fused is the mean of the models'
window probabilities (the DS-CNN with the head, with the fine-tuned network, and all three),
then, by clip, the mean over a clip's windows (edgestream's own fusion, clip_fusion.py). Windows
are matched by clip name and position in the clip, so the datasets need not list their clips in
the same order. Prints a Markdown table with a row per run and, unless --no-mean (rows that are
not repeats of one recipe), their mean. A comparison script (docs/results.md), not part of the
product.
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
    with_mean, fine_tuned = True, False
    while args and args[0] in ("--no-mean", "--fine-tuned"):
        with_mean = with_mean and args[0] != "--no-mean"
        fine_tuned = fine_tuned or args[0] == "--fine-tuned"
        args = args[1:]
    group = 7 if fine_tuned else 4
    if not args or len(args) % group:
        sys.exit(__doc__)
    columns = ["head", "head int8", "DS-CNN", "fused"]
    if fine_tuned:
        columns = ["head", "head int8", "DS-CNN", "DS-CNN int8", "fine-tuned", "fine-tuned int8",
                   "head + DS-CNN", "fine-tuned + DS-CNN", "all three", "all three, int8"]
    print("| run | clips | " + " | ".join(f"{c}: window / clip" for c in columns) + " |")
    print("|---|---:|" + "---:|" * len(columns))
    totals = []
    for at in range(0, len(args), group):
        name, paths = args[at], args[at + 1:at + group]
        tables = [by_clip(path) for path in paths]
        first = tables[0]
        for other, path in zip(tables[1:], paths[1:]):
            if other.keys() != first.keys() or any(
                    len(other[k][0]) != len(first[k][0]) or other[k][1] != first[k][1]
                    for k in first):
                sys.exit(f"{path}: other clips, windows or labels than {paths[0]}")

        def fuse(*models):
            return {k: (sum(m[k][0] for m in models) / len(models), models[0][k][1])
                    for k in models[0]}

        if fine_tuned:
            head, head_int8, cnn, cnn_int8, ft, ft_int8 = tables
            shown = [head, head_int8, cnn, cnn_int8, ft, ft_int8, fuse(head, cnn), fuse(ft, cnn),
                     fuse(head, cnn, ft), fuse(head_int8, cnn_int8, ft_int8)]
        else:
            head, head_int8, cnn = tables
            shown = [head, head_int8, cnn, fuse(head, cnn)]
        scores = [accuracies(x) for x in shown]
        totals.append(scores)
        print(f"| {name} | {len(first)} | " +
              " | ".join(f"{w:.1%} / {k:.1%}" for w, k in scores) + " |")
    if not with_mean:
        return
    mean = np.mean(totals, 0)
    print(f"| mean of {len(totals)} | | " +
          " | ".join(f"{w:.1%} / {k:.1%}" for w, k in mean) + " |")


if __name__ == "__main__":
    main()
