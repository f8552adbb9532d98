#!/usr/bin/env python3
"""
Writes test/fixtures/opencv-hsv-reference.json: OpenCV reference values for
src/lib/core/hsv-histogram.ts (RGB→HSV, 3-D HSV histogram, L2 normalisation,
Bhattacharyya distance), as computed by the research notebooks:

    hsv  = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], None, [8, 8, 8], [0, 180, 0, 256, 0, 256])
    hist = cv2.normalize(hist, hist).flatten()
    d    = cv2.compareHist(h1, h2, cv2.HISTCMP_BHATTACHARYYA)

Needs OpenCV's Python bindings, e.g. the Debian package:

    apt-get install -y python3-opencv
    /usr/bin/python3 scripts/make-opencv-reference.py

(use the system interpreter that the Debian package installs into). Only this
script needs Python; the vitest suite reads the committed JSON. Every input is
deterministic (formulas and a fixed-seed LCG), so re-running it reproduces the
file byte for byte with the same OpenCV version.
"""
import json
import os

import cv2
import numpy as np

W = H = 16
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'opencv-hsv-reference.json')


def lcg_bytes(seed, n):
    """Numerical Recipes LCG (a = 1664525, c = 1013904223, mod 2^32), top byte of each state."""
    out = []
    s = seed & 0xFFFFFFFF
    for _ in range(n):
        s = (1664525 * s + 1013904223) & 0xFFFFFFFF
        out.append(s >> 24)
    return out


def image(f):
    img = np.zeros((H, W, 3), np.uint8)
    for y in range(H):
        for x in range(W):
            img[y, x] = f(x, y)
    return img


def hue_wheel(x, y):
    # Fully saturated hues round the wheel (256 steps), value fading down the rows.
    i = y * W + x
    seg, t = divmod(i * 6, 256)
    up, down = t, 255 - t
    rgb = [(255, up, 0), (down, 255, 0), (0, 255, up), (0, down, 255), (up, 0, 255), (255, 0, down)][seg]
    scale = 255 - 8 * y
    return [c * scale // 255 for c in rgb]


noise = lcg_bytes(12345, W * H * 3)
IMAGES = {
    'rg-gradient': image(lambda x, y: (x * 17, y * 17, 128)),
    'rg-gradient-shifted': image(lambda x, y: (x * 16 + 8, y * 15 + 10, 150)),
    'grey-ramp': image(lambda x, y: ((y * W + x),) * 3),
    'hue-wheel': image(hue_wheel),
    'checker-red-blue': image(lambda x, y: (230, 20, 20) if (x + y) % 2 == 0 else (20, 20, 230)),
    'checker-4px-green-white': image(lambda x, y: (30, 200, 60) if (x // 4 + y // 4) % 2 == 0 else (250, 250, 250)),
    'solid-black': image(lambda x, y: (0, 0, 0)),
    'solid-white': image(lambda x, y: (255, 255, 255)),
    'solid-teal': image(lambda x, y: (12, 200, 177)),
    'solid-dark-red': image(lambda x, y: (90, 3, 7)),
    'noise': np.array(noise, np.uint8).reshape(H, W, 3),
    'noise-darker': (np.array(noise, np.uint16).reshape(H, W, 3) * 4 // 5).astype(np.uint8),
}

HIST_ARGS = {'bins': [8, 8, 8], 'ranges': [0, 180, 0, 256, 0, 256]}


def hist(hsv, bins=(8, 8, 8)):
    h = cv2.calcHist([hsv], [0, 1, 2], None, list(bins), HIST_ARGS['ranges'])
    return h


def normalized(h):
    return cv2.normalize(h, h.copy()).flatten()


def sparse(v):
    """{index: value} for the non-zero bins; float32 values written with full float64 repr."""
    return {str(i): float(x) for i, x in enumerate(v) if x != 0}


def main():
    out = {
        'generator': 'scripts/make-opencv-reference.py',
        'opencv': cv2.__version__,
        'width': W,
        'height': H,
        'images': [],
        'bhattacharyya': {},
        'binning': [],
        'allColours': {},
    }
    hists = {}
    for name, rgb in IMAGES.items():
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        raw = hist(hsv)
        norm = normalized(raw)
        hists[name] = (raw, norm)
        # sampleStep = 3: every third pixel in row-major order (what hsvHistogram's stride means).
        step3 = normalized(hist(hsv.reshape(-1, 1, 3)[::3].copy()))
        out['images'].append({
            'name': name,
            'rgb': rgb.flatten().tolist(),
            'hsv': hsv.flatten().tolist(),
            'hist8Counts': sparse(raw.flatten()),
            'hist8': sparse(norm),
            'hist8Step3': sparse(step3),
        })
    names = list(IMAGES)
    for i, a in enumerate(names):
        for b in names[i:]:
            d_norm = cv2.compareHist(hists[a][1], hists[b][1], cv2.HISTCMP_BHATTACHARYYA)
            d_raw = cv2.compareHist(hists[a][0], hists[b][0], cv2.HISTCMP_BHATTACHARYYA)
            out['bhattacharyya'][f'{a}|{b}'] = {'normalized': d_norm, 'counts': d_raw}

    # calcHist's bin edges on every possible channel value, for several bin counts:
    # pixel j has channels (j mod 180, j, 255 − j), j = 0..255.
    j = np.arange(256)
    probe = np.stack([j % 180, j, 255 - j], axis=-1).astype(np.uint8).reshape(16, 16, 3)
    for bins in ([8, 8, 8], [7, 5, 3], [30, 32, 32], [180, 256, 1]):
        h = hist(probe, bins)
        out['binning'].append({
            'bins': bins,
            'hsv': probe.flatten().tolist(),
            'counts': sparse(h.flatten()),
            'normalized': sparse(normalized(h)),
        })

    # Exhaustive RGB→HSV check without shipping 48 MB: all 2^24 colours, colour index
    # i = r·65536 + g·256 + b, output byte k = 3i + c; checksum = Σ hsv[k]·((k·40503) mod P) mod P
    # with P = 2^31 − 1 (every intermediate stays below 2^53, so JS doubles reproduce it exactly).
    P = 2147483647
    allrgb = np.stack(np.meshgrid(np.arange(256), np.arange(256), np.arange(256), indexing='ij'), axis=-1)
    allrgb = allrgb.astype(np.uint8).reshape(4096, 4096, 3)
    allhsv = cv2.cvtColor(allrgb, cv2.COLOR_RGB2HSV).reshape(-1).astype(np.int64)
    k = np.arange(allhsv.size, dtype=np.int64)
    checksum = int(((allhsv * ((k * 40503) % P)) % P).sum() % P)
    sample_idx = np.array(lcg_bytes(777, 3 * 2048), np.int64).reshape(-1, 3)
    sample_idx = sample_idx[:, 0] * 65536 + sample_idx[:, 1] * 256 + sample_idx[:, 2]
    out['allColours'] = {
        'checksum': checksum,
        'modulus': P,
        'multiplier': 40503,
        'hMax': int(allhsv[0::3].max()),
        'hCounts': np.bincount(allhsv[0::3], minlength=180).tolist(),
        'sCounts': np.bincount(allhsv[1::3], minlength=256).tolist(),
        'sample': [[int(i), *allhsv[3 * i:3 * i + 3].tolist()] for i in sample_idx[:512]],
    }

    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes), OpenCV {cv2.__version__}')


if __name__ == '__main__':
    main()
