#!/usr/bin/python3
"""Writes the digits CNN training split as .npy (no torch needed).

Reproduces the split and normalisation of ../shared/tools/torch/digits_cnn.py:
sklearn's bundled digits (8x8, 1797 images, no download), x scaled to [-1, 1]
as (images / 16 - 0.5) / 0.5, shape [N, 1, 8, 8] float32, labels int64, split
with train_test_split(test_size=0.25, random_state=0, stratify=y).

Usage: make_digits_train.py OUTDIR [EXPECTED_TEST_X.npy]
Writes OUTDIR/digits_train_x.npy and OUTDIR/digits_train_y.npy. With
EXPECTED_TEST_X, also checks that the test split it produces equals that file
byte for byte (proof that the split is the one the golden data came from).
Needs only python3-sklearn (Debian) and its numpy.
"""
import os
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0 - 0.5) / 0.5
    x = x[:, None, :, :]
    y = d.target.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=y)
    np.save(os.path.join(out, "digits_train_x.npy"), xtr)
    np.save(os.path.join(out, "digits_train_y.npy"), ytr)
    print("train", xtr.shape, ytr.shape, "test", xte.shape)
    if len(sys.argv) > 2:
        expected = np.load(sys.argv[2])
        if expected.dtype != xte.dtype or expected.shape != xte.shape or \
                expected.tobytes() != xte.tobytes():
            sys.exit("test split differs from " + sys.argv[2])
        print("test split equals", sys.argv[2], "byte for byte")


if __name__ == "__main__":
    main()
