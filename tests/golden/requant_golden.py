#!/usr/bin/python3
"""Independent numpy (int64) implementation of TFLite's int8 CONV_2D / FULLY_CONNECTED
integer pipeline, used as a golden for core/runtime/nn/kernels/ref (tests/core/test_kernels_ref.cc).

Written from TFLite's quantization specification and gemmlowp's fixed-point definitions,
not from the C++ code under test:
  multiplier:  frexp(effective_scale) -> Q31 mantissa rounded half away from zero, shift
  acc          = bias + sum((x + input_offset) * w) over in-image taps (int64 here)
  SRDHM(a, m)  = trunc((a*m + (2^30 if a*m >= 0 else 1 - 2^30)) / 2^31)
  RDBPOT(x, e) = (x >> e) + (1 if (x & (2^e-1)) > ((2^e-1) >> 1) + (x < 0) else 0)
  out          = clamp(RDBPOT(SRDHM(acc << max(shift,0), m), max(-shift,0)) + zp_out)

Writes tests/data/kernels/requant_cases.txt (deterministic, seed fixed). Usage:
  /usr/bin/python3 tests/golden/requant_golden.py [output_path]
"""
import math
import os
import sys

import numpy as np


def quantize_multiplier(real):
    if real == 0.0:
        return 0, 0
    mantissa, exponent = math.frexp(real)
    q = int(math.floor(abs(mantissa) * (1 << 31) + 0.5))  # half away from zero (mantissa > 0)
    if q == (1 << 31):
        q //= 2
        exponent += 1
    if exponent < -31:
        return 0, 0
    return q, exponent


def srdhm(a, m):
    ab = a.astype(np.int64) * np.int64(m)
    nudge = np.where(ab >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    total = ab + nudge
    # truncating division toward zero
    q = np.where(total >= 0, total // (1 << 31), -((-total) // (1 << 31)))
    return q.astype(np.int64)


def rdbpot(x, exponent):
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0).astype(np.int64)
    return (x >> exponent) + (remainder > threshold).astype(np.int64)


def requantize(acc, multipliers, shifts, out_offset, act_min, act_max):
    out = np.empty_like(acc)
    for c in range(acc.shape[-1]):
        x = acc[..., c]
        left = max(shifts[c], 0)
        right = max(-shifts[c], 0)
        # int32 wrap of the left shift, as TFLite's int32 arithmetic
        shifted = ((x << left) + (1 << 31)) % (1 << 32) - (1 << 31)
        out[..., c] = rdbpot(srdhm(shifted, multipliers[c]), right)
    return np.clip(out + out_offset, act_min, act_max)


def spread_scale(acc, in_scale, w_scales, rng):
    """An output scale that maps the accumulators onto roughly +-[60, 250] (some clamp)."""
    peak = max(1.0, float(np.abs(acc).max()))
    target = float(rng.uniform(60.0, 250.0))
    return float(np.float32(in_scale * float(np.mean(w_scales)) * peak / target))


def conv_case(rng):
    n = int(rng.integers(1, 3))
    h, w = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    cin, cout = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    fh, fw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    dh, dw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    same = bool(rng.integers(0, 2))

    def out_size(size, f, s, d):
        eff = (f - 1) * d + 1
        if same:
            return (size + s - 1) // s
        return (size - eff + s) // s if size >= eff else 0

    def pad(size, f, s, d, o):
        eff = (f - 1) * d + 1
        total = (o - 1) * s + eff - size
        return max(total, 0) // 2

    oh, ow = out_size(h, fh, sh, dh), out_size(w, fw, sw, dw)
    if oh <= 0 or ow <= 0:
        return None
    pt, pl = pad(h, fh, sh, dh, oh), pad(w, fw, sw, dw, ow)
    x = rng.integers(-128, 128, size=(n, h, w, cin)).astype(np.int64)
    f = rng.integers(-127, 128, size=(cout, fh, fw, cin)).astype(np.int64)
    bias = rng.integers(-5000, 5000, size=cout).astype(np.int64)
    in_zp = int(rng.integers(-128, 128))
    out_zp = int(rng.integers(-128, 128))
    in_scale = float(np.float32(rng.uniform(0.005, 0.05)))
    w_scales = [float(np.float32(rng.uniform(0.002, 0.02))) for _ in range(cout)]
    act_min = int(rng.integers(-128, 0))
    act_max = int(rng.integers(0, 128))
    acc = np.zeros((n, oh, ow, cout), dtype=np.int64)
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                for oc in range(cout):
                    s = 0
                    for ky in range(fh):
                        iy = oy * sh - pt + ky * dh
                        if iy < 0 or iy >= h:
                            continue
                        for kx in range(fw):
                            ix = ox * sw - pl + kx * dw
                            if ix < 0 or ix >= w:
                                continue
                            s += int(np.dot(x[b, iy, ix, :] - in_zp, f[oc, ky, kx, :]))
                    acc[b, oy, ox, oc] = s + bias[oc]
    out_scale = spread_scale(acc, in_scale, w_scales, rng)
    mults, shifts = zip(*[quantize_multiplier(in_scale * ws / out_scale) for ws in w_scales])
    out = requantize(acc, mults, shifts, out_zp, act_min, act_max)
    header = ["conv", n, h, w, cin, cout, fh, fw, oh, ow, sh, sw, dh, dw, pt, pl,
              -in_zp, out_zp, act_min, act_max]
    return header, in_scale, w_scales, out_scale, mults, shifts, x, f, bias, out


def fc_case(rng):
    batches = int(rng.integers(1, 4))
    depth = int(rng.integers(1, 40))
    units = int(rng.integers(1, 9))
    x = rng.integers(-128, 128, size=(batches, depth)).astype(np.int64)
    f = rng.integers(-127, 128, size=(units, depth)).astype(np.int64)
    bias = rng.integers(-20000, 20000, size=units).astype(np.int64)
    in_zp = int(rng.integers(-128, 128))
    out_zp = int(rng.integers(-128, 128))
    in_scale = float(np.float32(rng.uniform(0.005, 0.05)))
    per_channel = bool(rng.integers(0, 2))
    if per_channel:
        w_scales = [float(np.float32(rng.uniform(0.002, 0.02))) for _ in range(units)]
    else:
        w_scales = [float(np.float32(rng.uniform(0.002, 0.02)))] * units
    acc = (x - in_zp) @ f.T + bias
    out_scale = spread_scale(acc, in_scale, w_scales, rng)
    mults, shifts = zip(*[quantize_multiplier(in_scale * ws / out_scale) for ws in w_scales])
    out = requantize(acc, mults, shifts, out_zp, -128, 127)
    header = ["fc", batches, depth, units, -in_zp, out_zp, -128, 127]
    return header, in_scale, w_scales, out_scale, mults, shifts, x, f, bias, out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "data", "kernels", "requant_cases.txt")
    rng = np.random.default_rng(20240611)
    lines = ["# generated by tests/golden/requant_golden.py; do not edit"]
    cases = 0
    while cases < 40:
        case = conv_case(rng) if cases % 2 == 0 else fc_case(rng)
        if case is None:
            continue
        header, in_scale, w_scales, out_scale, mults, shifts, x, f, bias, out = case
        lines.append(" ".join(str(v) for v in header))
        lines.append("scales %r %r %s" % (in_scale, out_scale, " ".join(repr(s) for s in w_scales)))
        lines.append("multipliers " + " ".join(str(m) for m in mults))
        lines.append("shifts " + " ".join(str(s) for s in shifts))
        for name, arr in (("input", x), ("filter", f), ("bias", bias), ("expected", out)):
            lines.append(name + " " + " ".join(str(int(v)) for v in arr.ravel()))
        cases += 1
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("wrote %d cases to %s" % (cases, path))


if __name__ == "__main__":
    main()
