"""Reads an edgestream dataset directory (manifest.json + NumPy shards) for outside trainers.

Only NumPy is needed. The format is core/data/store/shard_store.h's; docs/datasets.md shows this
loader feeding Keras and PyTorch. Every shard file is checked against the SHA-256 in the
manifest, so a damaged or partial copy is refused by name instead of training on it.

    from edgestream_dataset import load
    ds = load("out/gesture-ds")
    ds.x, ds.y, ds.fold, ds.clip, ds.labels        # all windows, in shard order
    train, test = ds.split(test_folds=[2])         # or ds.split_by_clip(0.2, seed=1)
"""
import hashlib
import json
import os

import numpy as np


class Dataset:
    def __init__(self, x, y, fold, clip, window, manifest):
        self.x, self.y, self.fold, self.clip, self.window = x, y, fold, clip, window
        self.manifest = manifest
        self.labels = list(manifest["labels"])

    def __len__(self):
        return len(self.y)

    def subset(self, mask):
        return Dataset(self.x[mask], self.y[mask], self.fold[mask], self.clip[mask],
                       self.window[mask], self.manifest)

    def split(self, test_folds):
        """(train, test) by the dataset's folds, e.g. UrbanSound8K's."""
        test = np.isin(self.fold, list(test_folds))
        if not test.any():
            raise ValueError("no window is in folds %s (folds here: %s)"
                             % (list(test_folds), sorted(set(self.fold.tolist()))))
        return self.subset(~test), self.subset(test)

    def split_by_clip(self, test_fraction=0.2, seed=1):
        """(train, test) with whole clips on one side, for datasets without folds.

        A NumPy-seeded split: not the same clips as `edgestream train`'s own split.
        """
        clips = np.unique(self.clip)
        rng = np.random.default_rng(seed)
        test_clips = rng.choice(clips, size=max(1, int(round(test_fraction * len(clips)))),
                                replace=False)
        test = np.isin(self.clip, test_clips)
        return self.subset(~test), self.subset(test)


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load(directory, verify=True):
    manifest_path = os.path.join(directory, "manifest.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    if manifest.get("format") != "edgestream-dataset":
        raise ValueError("%s: not an edgestream dataset manifest" % manifest_path)
    if not manifest.get("complete", False):
        raise ValueError("%s: the dataset run did not finish (complete is false)" % manifest_path)
    parts = {"x": [], "y": [], "fold": [], "clip": [], "window": []}
    for shard in manifest["shards"]:
        for part in parts:
            path = os.path.join(directory, shard["files"][part])
            if verify and _sha256(path) != shard["sha256"][part]:
                raise ValueError("%s: SHA-256 differs from the manifest (damaged or partial copy)"
                                 % path)
            parts[part].append(np.load(path))
    x = np.concatenate(parts["x"]) if parts["x"] else np.zeros((0,) + tuple(manifest["window_shape"]))
    if x.dtype == np.int8:
        q = manifest["quantization"]
        x = (x.astype(np.float32) - q["zero_point"]) * np.float32(q["scale"])
    cat = lambda k, t: np.concatenate(parts[k]).astype(t) if parts[k] else np.zeros(0, t)
    return Dataset(x.astype(np.float32, copy=False), cat("y", np.int64), cat("fold", np.int64),
                   cat("clip", str), cat("window", np.int64), manifest)
