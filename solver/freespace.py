"""Free-space (open boundary) convolution kernels by the Vico–Greengard–Ferrando method.

For sources supported in the grid (the domain D, ny × nx cells of side h), every output is a
convolution of a with a kernel that is only needed at separations |r| ≤ diag(D). Truncating the
kernel smoothly beyond that radius leaves the result unchanged and makes its Fourier transform
smooth (``kernels.truncated_transform``). On a periodic "precompute" grid of period ≥ |D| + the
truncation radius, the periodic convolution with the truncated kernel is then the free-space one
to spectral accuracy (no images). Its real-space kernel, restricted to the separations a
source/target pair in D can have, is re-embedded in a 2× zero-padded grid and transformed once:
each later solve is a plain 2× padded spectral product ("precomputed aperiodic kernel").

Multipliers are returned on the rfft grid of the 2× padded grid as real arrays:
``even[ab]`` for q_a q_b f(q) (real, even kernels) and ``odd[a]`` for the imaginary part of
i q_a f(q) (odd kernels).
"""
from __future__ import annotations

import math

import numpy as np
import scipy.fft

from .fft import FFTBackend
from .grid import Grid
from .kernels import Taper, spectral_filter, truncated_transform


def precompute_shape(grid: Grid, taper: Taper) -> tuple[int, int]:
    """Size of the precompute grid: period ≥ n h + taper.outer along each axis (even, fast)."""
    extra = int(math.ceil(taper.outer / grid.spacing)) + 2
    return tuple(scipy.fft.next_fast_len(2 * ((n + extra + 1) // 2), real=True) for n in grid.shape)


def domain_taper(grid: Grid) -> Taper:
    """Taper equal to 1 up to the domain diagonal and 0 beyond twice that."""
    diag = grid.spacing * math.hypot(*grid.shape)
    return Taper(inner=diag, outer=2.0 * diag)


def _embed(full: np.ndarray, ny: int, nx: int) -> np.ndarray:
    """Restrict a real-space kernel on the precompute grid to offsets |i| < ny, |j| < nx and wrap it
    onto the 2ny × 2nx grid (offsets ±ny, ±nx, never used by a pair inside D, stay zero)."""
    my, mx = full.shape
    src_y = np.r_[0:ny, my - (ny - 1):my]
    dst_y = np.r_[0:ny, 2 * ny - (ny - 1):2 * ny]
    src_x = np.r_[0:nx, mx - (nx - 1):mx]
    dst_x = np.r_[0:nx, 2 * nx - (nx - 1):2 * nx]
    out = np.zeros((2 * ny, 2 * nx))
    out[np.ix_(dst_y, dst_x)] = full[np.ix_(src_y, src_x)]
    return out


def aperiodic_multipliers(grid: Grid, real, closed, fft: FFTBackend, *, even: bool = True,
                          taper: Taper | None = None) -> dict[str, np.ndarray]:
    """Multipliers of the free-space operators built from one radial kernel f.

    Parameters
    ----------
    grid : Grid
        The (unpadded) domain.
    real, closed : callables
        f(r) and its closed-form transform f(q) (see ``kernels``).
    fft : FFTBackend
    even : bool
        True: return ``{"xx", "xy", "yy"}`` for q_a q_b f(q). False: ``{"x", "y"}`` for i q_a f(q)
        (imaginary parts stored).

    Returns
    -------
    dict of ndarray, each of shape ``(2 ny, nx + 1)`` (rfft grid of the 2× padded grid).
    """
    taper = taper or domain_taper(grid)
    ny, nx = grid.shape
    my, mx = precompute_shape(grid, taper)
    h = grid.spacing
    qx = 2 * np.pi * np.fft.rfftfreq(mx, h)
    qy = 2 * np.pi * np.fft.fftfreq(my, h)
    f_hat = truncated_transform(np.hypot(qy[:, None], qx[None, :]), real, closed, taper)
    f_hat *= spectral_filter(qx[None, :], qy[:, None], h)
    # zero the Nyquist row/column: the (wrapped) offsets they encode are never used
    f_hat[my // 2, :] = 0.0
    f_hat[:, -1] = 0.0
    comps = {"xx": (qx[None, :] ** 2), "xy": (qy[:, None] * qx[None, :]), "yy": (qy[:, None] ** 2)} \
        if even else {"x": 1j * qx[None, :], "y": 1j * qy[:, None]}
    out = {}
    for name, factor in comps.items():
        kernel_real = fft.irfft2(factor * f_hat, (my, mx), cache=False)  # = h² × kernel at the offsets
        spec = fft.rfft2(_embed(kernel_real, ny, nx), cache=False)
        del kernel_real
        out[name] = np.ascontiguousarray(spec.real if even else spec.imag)
    return out
