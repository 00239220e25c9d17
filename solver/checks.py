"""Input checks shared by the whole package.

Every public entry point validates its arguments with these helpers so that bad input
fails early with a ``ValueError`` that names the parameter and the allowed range, never
with a silent wrong number or a traceback from deep inside numpy.
"""
from __future__ import annotations

import math
import os
from typing import Any

import numpy as np


def positive_length(name: str, value: Any, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float after checking ``0 < value < inf`` (or ``<= inf``).

    Raises
    ------
    ValueError
        If the value is not a real number, not finite (unless ``allow_inf``), or not > 0.
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number > 0, got {value!r}") from None
    if math.isnan(x):
        raise ValueError(f"{name} must be a real number > 0, got NaN")
    if math.isinf(x) and not (allow_inf and x > 0):
        allowed = "0 < " + name + " <= inf" if allow_inf else "0 < " + name + " < inf"
        raise ValueError(f"{name} must satisfy {allowed}, got {x}")
    if x <= 0:
        allowed = "(0, inf]" if allow_inf else "(0, inf)"
        raise ValueError(f"{name} must be > 0 (allowed range {allowed}), got {x}")
    return x


def nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a finite float >= 0, else raise ``ValueError`` naming ``name``."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite real number >= 0, got {value!r}") from None
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite real number >= 0, got {x}")
    return x


def finite_real(name: str, value: Any) -> float:
    """Return ``value`` as a finite float, else raise ``ValueError`` naming ``name``."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite real number, got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite real number, got {x}")
    return x


def vector2(name: str, value: Any) -> np.ndarray:
    """Return a finite float 2-vector, else raise ``ValueError`` naming ``name``."""
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair of finite numbers (x, y), got {value!r}") from None
    if v.shape != (2,) or not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be a pair of finite numbers (x, y), got {value!r}")
    return v


def finite_array(name: str, value: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Return a float64 array with only finite entries (and the given shape, if any)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real numeric array, got {type(value).__name__}") from None
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); all entries must be finite")
    return arr


def available_memory_bytes() -> int:
    """Memory available to this process (bytes), from /proc/meminfo or sysconf."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 2**63 - 1


def memory_fits(what: str, estimate_bytes: float, fraction: float = 0.9) -> None:
    """Raise ``ValueError`` if ``estimate_bytes`` exceeds ``fraction`` of available memory."""
    avail = available_memory_bytes()
    if estimate_bytes > fraction * avail:
        raise ValueError(
            f"{what} needs an estimated {estimate_bytes / 2**30:.2f} GiB but only "
            f"{avail / 2**30:.2f} GiB is available; use a smaller grid (shape) or fewer outputs"
        )
