"""Fidelity of a marked picture: PSNR and a fast luma SSIM (7×7 uniform windows, as scikit-image's default)."""

from __future__ import annotations

import cv2
import numpy as np

from engines.watermark.geometry import luma


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB between two uint8 images (inf when equal)."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def ssim_gray(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two grey planes (float32)."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = cv2.blur(a, (7, 7)), cv2.blur(b, (7, 7))
    var_a = cv2.blur(a * a, (7, 7)) - mu_a**2
    var_b = cv2.blur(b * b, (7, 7)) - mu_b**2
    cov = cv2.blur(a * b, (7, 7)) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    return float(np.mean(num / den))


def ssim_luma(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM of the luma of two RGB images."""
    return ssim_gray(luma(a), luma(b))
