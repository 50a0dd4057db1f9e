#!/usr/bin/python3
"""The open-set rules on the windows tools/reproduce/open_set.sh classified (docs/open-set.md).

Reads OUT/levels.jsonl (every window's level, from edgegate), OUT/closed.jsonl and
OUT/open.jsonl (every window's scores, edgelabelsink with all classes in "top", no smoothing)
and prints a Markdown report: for each rule, the share of windows of each non-event set that
would be reported as an event (false detections), and what the rule costs on the events.
"""
import json
import sys
from collections import defaultdict

EVENTS = ["car_horn", "dog_bark", "gun_shot", "jackhammer", "siren"]
NON_EVENTS = [
    ("silence", "recorded silence (micro_speech silence_1000ms)"),
    ("noise", "recorded noise (micro_speech noise_1000ms)"),
    ("street", "street scene (DCASE, last 5 s)"),
    ("background", "air_conditioner, engine_idling (UrbanSound8K fold 2)"),
    ("unknown", "children_playing, drilling, street_music (never trained)"),
]
SET_OF = {"air_conditioner": "background", "engine_idling": "background",
          "children_playing": "unknown", "drilling": "unknown", "street_music": "unknown"}
GATE_DB = -60.0


def read(path):
    windows = {}
    for line in open(path):
        j = json.loads(line)
        windows[(j["clip"], j["window"])] = j
    return windows


def main(out):
    levels = {k: w["level_db"] for k, w in read(f"{out}/levels.jsonl").items()}
    models = {m: read(f"{out}/{m}.jsonl") for m in ("closed", "open")}
    rules = [
        ("closed", "argmax (no rule)", None, 0.0, False),
        ("closed", "score >= 0.5", None, 0.5, False),
        ("closed", "score >= 0.9", None, 0.9, False),
        ("closed", f"silence gate {GATE_DB:g} dBFS", GATE_DB, 0.0, False),
        ("closed", f"silence gate + score >= 0.9", GATE_DB, 0.9, False),
        ("open", "background class", None, 0.0, True),
        ("open", f"background class + silence gate", GATE_DB, 0.0, True),
        ("open", f"background class + silence gate + score >= 0.5", GATE_DB, 0.5, True),
    ]
    n_windows = defaultdict(int)
    for (clip, _), w in models["closed"].items():
        n_windows[SET_OF.get(w["truth"], w["truth"])] += 1

    print("| model | rule | " + " | ".join(name for name, _ in NON_EVENTS) +
          " | event windows detected right | event windows with no detection | event clips missed |")
    print("|---|---|" + "---|" * len(NON_EVENTS) + "---|---|---|")
    for model, rule, gate, threshold, background in rules:
        false = defaultdict(int)
        right = none = 0
        clip_hit = defaultdict(bool)
        for key, w in models[model].items():
            truth = w["truth"]
            best = w["top"][0]
            detected = best["label"]
            if gate is not None and levels[key] < gate:
                detected = None
            elif best["score"] < threshold:
                detected = None
            elif background and best["label"] == "background":
                detected = None
            if truth in EVENTS:
                clip_hit.setdefault(key[0], False)
                if detected == truth:
                    right += 1
                    clip_hit[key[0]] = True
                elif detected is None:
                    none += 1
            elif detected is not None:
                false[SET_OF.get(truth, truth)] += 1
        events = sum(1 for w in models[model].values() if w["truth"] in EVENTS)
        cells = [f"{100.0 * false[s] / n_windows[s]:.1f} % ({false[s]}/{n_windows[s]})"
                 for s, _ in NON_EVENTS]
        missed = sum(1 for hit in clip_hit.values() if not hit)
        print(f"| {model} | {rule} | " + " | ".join(cells) +
              f" | {100.0 * right / events:.1f} % | {100.0 * none / events:.1f} % |"
              f" {missed}/{len(clip_hit)} |")
    print()
    print("Sets (windows of 1 s every 0.5 s):")
    for s, what in NON_EVENTS:
        print(f"- {s}: {what}, {n_windows[s]} windows")
    events = sum(n_windows[e] for e in EVENTS)
    print(f"- events: {', '.join(EVENTS)} (UrbanSound8K fold 2), {events} windows")
    print()
    print("Levels (dBFS) of the test windows, min / 5th percentile / median:")
    by_set = defaultdict(list)
    for key, level in levels.items():
        truth = models["closed"][key]["truth"]
        by_set[truth if truth in EVENTS else SET_OF.get(truth, truth)].append(level)
    for s in EVENTS + [name for name, _ in NON_EVENTS]:
        v = sorted(by_set[s])
        if v:
            print(f"- {s}: {v[0]:.1f} / {v[len(v) // 20]:.1f} / {v[len(v) // 2]:.1f}"
                  f" ({sum(1 for x in v if x < GATE_DB)} of {len(v)} below {GATE_DB:g})")


if __name__ == "__main__":
    main(sys.argv[1])
