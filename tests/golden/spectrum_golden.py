#!/usr/bin/python3
"""Reference spectra for edgespectrum, computed with numpy/scipy only.

librosa is not available here, so its definitions are written out below
(librosa 0.10: core/spectrum.py stft, filters.mel, core/convert.py
hz_to_mel/mel_to_hz/mel_frequencies, power_to_db, feature.mfcc), all in float64.
Frames without centre padding follow tf.signal.stft (frame_length samples,
zero padded at the end to fft_length).

Writes tests/data/spectrum/cases.json (parameters, shapes, input) and one
little-endian float32 file per case (frames x values, values innermost), plus
synthetic_input.f32. Real-clip cases read a WAV from the shared data folder;
only the small computed outputs are stored (Speech Commands is CC BY 4.0, see
tests/data/spectrum/NOTICE.md).

Run from the source root:  /usr/bin/python3 tests/golden/spectrum_golden.py [shared_data_dir]
"""
import json
import os
import sys

import numpy as np
import scipy.fft
import scipy.io.wavfile
import scipy.signal

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "spectrum")
SYNTHETIC_RATE = 16000
REAL_CLIP = "speech/speech-commands-sample/yes/51055bda_nohash_4.wav"
SHORT_CLIP = "speech/speech-commands-sample/no/37e8db82_nohash_1.wav"  # 14118 samples


# --- librosa definitions, float64 -------------------------------------------------------------
def hz_to_mel(f, htk):
    f = np.asanyarray(f, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, mels)


def mel_to_hz(m, htk):
    m = np.asanyarray(m, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filterbank(sr, n_fft, n_mels, fmin, fmax, htk, norm):
    fftfreqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, len(fftfreqs)))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    if norm == "slaney":
        weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, np.newaxis]
    return weights


def window(name, n):
    scipy_name = {"hann": "hann", "hamming": "hamming", "rect": "boxcar"}[name]
    return scipy.signal.get_window(scipy_name, n, fftbins=True)


def stft(x, p):
    """Complex STFT, frames x bins."""
    frame, hop, n_fft = p["frame_size"], p["hop_size"], p["n_fft"]
    w = window(p["window"], frame)
    if p["center"] == "none":  # tf.signal.stft
        if len(x) < frame:
            return np.zeros((0, n_fft // 2 + 1), dtype=np.complex128)
        count = 1 + (len(x) - frame) // hop
        frames = np.stack([x[t * hop : t * hop + frame] * w for t in range(count)])
        return np.fft.rfft(frames, n=n_fft, axis=-1)
    # librosa.stft(center=True): pad n_fft // 2, window centred in n_fft.
    padded = np.pad(x, n_fft // 2, mode=p["center"])
    lpad = (n_fft - frame) // 2
    fft_window = np.zeros(n_fft)
    fft_window[lpad : lpad + frame] = w
    count = 1 + (len(padded) - n_fft) // hop
    frames = np.stack([padded[t * hop : t * hop + n_fft] * fft_window for t in range(count)])
    return np.fft.rfft(frames, axis=-1)


def power_to_db(s, top_db):
    log_spec = 10.0 * np.log10(np.maximum(1e-10, s))  # ref=1.0, amin=1e-10
    if top_db > 0 and log_spec.size:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def spectrum(x, p):
    spec = stft(np.asarray(x, dtype=np.float64), p)
    if p["mode"] == "magnitude":
        return np.abs(spec)
    power = np.abs(spec) ** 2
    if p["mode"] == "power":
        return power
    fmax = p["fmax"] if p["fmax"] > 0 else p["sample_rate"] / 2.0
    fb = mel_filterbank(p["sample_rate"], p["n_fft"], p["mel_bands"], p["fmin"], fmax,
                        p["mel_scale"] == "htk", p["mel_norm"])
    mel = power @ fb.T
    if p["log"] == "db":
        logmel = power_to_db(mel, p["top_db"])
    else:
        logmel = np.log(mel + p["log_offset"])
    if p["mode"] == "logmel":
        return logmel
    return scipy.fft.dct(logmel, type=2, norm="ortho", axis=-1)[:, : p["n_mfcc"]]


# --- cases ------------------------------------------------------------------------------------
def params(**kw):
    p = dict(sample_rate=16000, frame_size=480, hop_size=320, n_fft=512, window="hann",
             center="none", mode="logmel", mel_bands=40, fmin=0.0, fmax=0.0, mel_scale="slaney",
             mel_norm="slaney", log="db", top_db=80.0, log_offset=1e-6, n_mfcc=13)
    p.update(kw)
    return p


CASES = [
    # name, input, input length (None: all), params
    ("magnitude_hann", "synthetic", None,
     params(mode="magnitude", frame_size=400, hop_size=160, n_fft=512)),
    ("power_hamming_reflect", "synthetic", None,
     params(mode="power", window="hamming", frame_size=512, hop_size=128, center="reflect")),
    ("magnitude_odd_fft", "synthetic", None,  # n_fft = 2 * 3 * 7 * 11: KissFFT generic radix
     params(mode="magnitude", frame_size=400, hop_size=200, n_fft=462)),
    ("logmel_kws", "synthetic", None, params()),
    ("logmel_htk_natural_constant", "synthetic", None,
     params(window="rect", frame_size=400, hop_size=160, center="constant", mel_bands=32,
            fmin=20.0, fmax=7600.0, mel_scale="htk", mel_norm="none", log="natural")),
    ("logmel_no_top_db_reflect", "synthetic", None,
     params(frame_size=512, hop_size=256, center="reflect", top_db=0.0)),
    ("mfcc_reflect", "synthetic", None,
     params(mode="mfcc", frame_size=512, hop_size=256, center="reflect")),
    ("mfcc_htk_natural", "synthetic", None,
     params(mode="mfcc", window="hamming", frame_size=400, hop_size=160, mel_bands=26,
            fmin=300.0, fmax=8000.0, mel_scale="htk", mel_norm="none", log="natural",
            n_mfcc=12)),
    ("logmel_short_reflect", "synthetic", 300,  # shorter than one frame
     params(frame_size=400, hop_size=160, center="reflect")),
    ("real_logmel_kws", REAL_CLIP, None, params()),
    ("real_mfcc_librosa_defaults", REAL_CLIP, None,  # librosa.feature.mfcc defaults at 16 kHz
     params(mode="mfcc", frame_size=2048, hop_size=512, n_fft=2048, center="reflect",
            mel_bands=128, n_mfcc=20)),
    ("real_magnitude", REAL_CLIP, None,
     params(mode="magnitude", frame_size=256, hop_size=128, n_fft=256)),
    ("real_short_clip_logmel_reflect", SHORT_CLIP, None,
     params(frame_size=400, hop_size=160, center="reflect", mel_bands=40)),
]


def synthetic_input():
    """Deterministic test signal: tones on and off bin centres, a chirp, low noise."""
    n = 4001  # odd on purpose
    t = np.arange(n) / SYNTHETIC_RATE
    rng = np.random.default_rng(20240611)
    x = (0.5 * np.sin(2 * np.pi * 500.0 * t)
         + 0.25 * np.sin(2 * np.pi * 3001.7 * t + 0.3)
         + 0.1 * scipy.signal.chirp(t, f0=100.0, t1=t[-1], f1=7000.0)
         + 0.01 * rng.standard_normal(n))
    return x.astype(np.float32)


def read_wav(path):
    rate, data = scipy.io.wavfile.read(path)
    if data.dtype != np.int16 or data.ndim != 1:
        raise SystemExit(f"{path}: expected 16-bit mono, got {data.dtype} {data.shape}")
    return rate, (data.astype(np.float32) / 32768.0)  # as libsndfile reads 16-bit to float


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data")
    if not os.path.isdir(os.path.join(shared, "speech", "speech-commands-sample")):
        raise SystemExit(f"shared real data not found under {shared}: "
                         "pass the shared data folder as the first argument")
    os.makedirs(OUT_DIR, exist_ok=True)
    synthetic = synthetic_input()
    synthetic.astype("<f4").tofile(os.path.join(OUT_DIR, "synthetic_input.f32"))
    index = {"synthetic_input": {"file": "synthetic_input.f32", "sample_rate": SYNTHETIC_RATE,
                                 "samples": int(synthetic.size)},
             "cases": []}
    for name, source, length, p in CASES:
        if source == "synthetic":
            x = synthetic
        else:
            rate, x = read_wav(os.path.join(shared, source))
            if rate != p["sample_rate"]:
                raise SystemExit(f"{source}: rate {rate}, case {name} expects {p['sample_rate']}")
        if length is not None:
            x = x[:length]
        out = spectrum(x, p).astype("<f4")
        out.tofile(os.path.join(OUT_DIR, name + ".f32"))
        index["cases"].append({"name": name, "input": source, "input_samples": int(len(x)),
                               "params": p, "frames": int(out.shape[0]),
                               "values": int(out.shape[1]), "file": name + ".f32"})
        print(f"{name}: {out.shape[0]} x {out.shape[1]} from {source} ({len(x)} samples)")
    with open(os.path.join(OUT_DIR, "cases.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
