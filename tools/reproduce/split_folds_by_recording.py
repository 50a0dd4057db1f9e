#!/usr/bin/env python3
"""Split each fold of an UrbanSound8K root into two halves by source recording.

Writes a new root whose fold 2k-1 and fold 2k are the two halves of the input's fold k, with
metadata.csv rewritten and the audio as hard links (copies across file systems; not symbolic
links, which edgedatasetsrc refuses when they leave the dataset root). Every clip of one recording (fsID)
lands in the same half, so a half held out for testing has recordings the rest never saw;
recordings are placed largest first into the half that keeps each class's clip counts closest,
which needs no random draw: the same input always gives the same halves.

Used by tools/reproduce/sound_logmel_curve.sh to measure how accuracy on unseen recordings
grows with the number of training clips (125, 250 and 375 of folds 1 and 2).

  split_folds_by_recording.py SOURCE_ROOT OUT_ROOT
"""
import collections
import csv
import os
import shutil
import sys


def read_metadata(root):
    for candidate in ("metadata/UrbanSound8K.csv", "metadata.csv"):
        path = os.path.join(root, candidate)
        if os.path.isfile(path):
            with open(path, newline="") as handle:
                return list(csv.DictReader(handle))
    sys.exit(f"split_folds_by_recording: no metadata.csv or metadata/UrbanSound8K.csv in {root}")


def split_fold(rows):
    """Return {fsID: 0 or 1} for the clips of one fold."""
    clips_by_recording = collections.defaultdict(collections.Counter)
    for row in rows:
        clips_by_recording[row["fsID"]][row["class"]] += 1
    half_counts = [collections.Counter(), collections.Counter()]
    half_of = {}
    # Largest recordings first; ties by fsID so the result does not depend on row order.
    for recording in sorted(clips_by_recording,
                            key=lambda r: (-sum(clips_by_recording[r].values()), r)):
        classes = clips_by_recording[recording]

        def imbalance_if(half):
            counts = [half_counts[0].copy(), half_counts[1].copy()]
            counts[half].update(classes)
            return sum(abs(counts[0][c] - counts[1][c]) for c in set(counts[0]) | set(counts[1]))

        half = min((0, 1), key=lambda h: (imbalance_if(h), sum(half_counts[h].values()), h))
        half_counts[half].update(classes)
        half_of[recording] = half
    return half_of


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    source, out = (os.path.abspath(p) for p in sys.argv[1:])
    rows = read_metadata(source)
    folds = sorted({int(row["fold"]) for row in rows})
    half_of = {}
    for fold in folds:
        half_of[fold] = split_fold([row for row in rows if int(row["fold"]) == fold])
    missing = []
    os.makedirs(out, exist_ok=True)
    for row in rows:
        fold = int(row["fold"])
        new_fold = 2 * fold - 1 + half_of[fold][row["fsID"]]
        target = os.path.join(source, "audio", f"fold{fold}", row["slice_file_name"])
        if not os.path.isfile(target):
            missing.append(target)
            continue
        link_dir = os.path.join(out, "audio", f"fold{new_fold}")
        os.makedirs(link_dir, exist_ok=True)
        link = os.path.join(link_dir, row["slice_file_name"])
        if os.path.lexists(link):
            os.remove(link)
        try:
            os.link(target, link)
        except OSError:
            shutil.copyfile(target, link)
        row["fold"] = str(new_fold)
    if missing:
        sys.exit(f"split_folds_by_recording: {len(missing)} clips of metadata.csv are missing, "
                 f"first {missing[0]}")
    with open(os.path.join(out, "metadata.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    for fold in folds:
        for half in (0, 1):
            new_fold = 2 * fold - 1 + half
            clips = [r for r in rows if int(r["fold"]) == new_fold]
            recordings = {r["fsID"] for r in clips}
            per_class = collections.Counter(r["class"] for r in clips)
            print(f"fold {new_fold} (fold {fold}, half {half + 1}): {len(clips)} clips of "
                  f"{len(recordings)} recordings; per class "
                  + " ".join(f"{c}={per_class[c]}" for c in sorted(per_class)))


if __name__ == "__main__":
    main()
