"""Free-space (open boundary) convolution kernels by the Vico–Greengard–Ferrando method.

For sources supported in the grid (the domain D, ny × nx cells of side h), every output is a
convolution of a with a kernel that is only needed at separations |r| ≤ diag(D). Truncating the
kernel smoothly beyond that radius leaves the result unchanged and makes its Fourier transform
smooth (``kernels.truncated_transform``). On a periodic "precompute" grid of period ≥ |D| + the
truncation radius, the periodic convolution with the truncated kernel is then the free-space one
to spectral accuracy (no images). Its real-space kernel, restricted to the separations a
source/target pair in D can have, is re-embedded in a 2× zero-padded grid and transformed once:
each later solve is a plain 2× padded spectral product ("precomputed aperiodic kernel").

Every kernel is even or odd along each axis (radial f times q_a q_b or i q_a), so both transforms
are done on the fundamental quarter of the period with real-to-real transforms (DCT-I on even
axes, DST-I on odd ones): a quarter of the points of the full complex transforms, no complex
arrays, and the spectrum f(q) is only evaluated on the quarter grid.

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

TAPER_WIDTH = 0.5
"""Width of the truncation taper (outer − inner) in units of the domain diagonal. Smaller values
shrink the precompute grid (period n + (1 + width)·diag) but raise the quadrature cut-off
q_cut ∝ 1/width; 0.5 balances the two (measured in ``benchmarks/bench_solve.py``)."""


def _even_fast_len(n: int) -> int:
    """The smallest even length ≥ n whose half is a fast (5-smooth) transform length."""
    return 2 * scipy.fft.next_fast_len((n + 1) // 2, real=True)


def precompute_shape(grid: Grid, taper: Taper) -> tuple[int, int]:
    """Period of the precompute grid: ≥ n h + taper.outer along each axis (even, fast half)."""
    extra = int(math.ceil(taper.outer / grid.spacing)) + 2
    return tuple(_even_fast_len(n + extra) for n in grid.shape)


def domain_taper(grid: Grid) -> Taper:
    """Taper equal to 1 up to the domain diagonal and 0 beyond (1 + TAPER_WIDTH) × that."""
    diag = grid.spacing * math.hypot(*grid.shape)
    return Taper(inner=diag, outer=(1.0 + TAPER_WIDTH) * diag)


def _symmetric_sum(x: np.ndarray, odd: tuple[bool, bool], workers: int,
                   keep: tuple[int, int] | None = None) -> np.ndarray:
    """Σ_k x_k · (cos or sin)(π i k / N) over a full period 2N along both axes, with the sign and
    the factor i of the odd axes left to the caller.

    ``x`` holds the fundamental domain k = 0..N of each axis (shape (N_y + 1, N_x + 1)). An even
    axis sums x_0 + (−1)^i x_N + 2 Σ_{0<k<N} x_k cos(π i k/N) (DCT-I); an odd axis
    2 Σ_{0<k<N} x_k sin(π i k/N) (DST-I; the end points of an odd sequence vanish and so do the
    outputs at i = 0, N). ``keep = (ky, kx)`` returns only the outputs i < k (the x transform is
    done first and cropped before the y transform). Returns a new array.
    """
    ky, kx = keep or x.shape
    rows = x[1:-1] if odd[0] else x
    if odd[1]:
        y = np.zeros((rows.shape[0], kx))
        y[:, 1:min(kx, x.shape[1] - 1)] = scipy.fft.dst(
            rows[:, 1:-1], type=1, axis=1, workers=workers)[:, :kx - 1]
    else:
        y = scipy.fft.dct(rows, type=1, axis=1, workers=workers)[:, :kx]
    if odd[0]:
        out = np.zeros((ky, kx))
        out[1:min(ky, x.shape[0] - 1)] = scipy.fft.dst(y, type=1, axis=0, workers=workers)[:ky - 1]
        return out
    return np.ascontiguousarray(scipy.fft.dct(y, type=1, axis=0, workers=workers)[:ky])


def _unfold_rows(m: np.ndarray, odd_y: bool) -> np.ndarray:
    """Quarter (N_y + 1, nx + 1) → rfft grid (2 N_y, nx + 1): rows 2N_y − k = ±rows k."""
    tail = m[-2:0:-1]
    return np.ascontiguousarray(np.concatenate([m, -tail if odd_y else tail], axis=0))


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
        Supplies the thread count of the real-to-real transforms.
    even : bool
        True: return ``{"xx", "xy", "yy"}`` for q_a q_b f(q). False: ``{"x", "y"}`` for i q_a f(q)
        (imaginary parts stored).
    taper : Taper, optional
        Default :func:`domain_taper`.

    Returns
    -------
    dict of ndarray, each of shape ``(2 ny, nx + 1)`` (rfft grid of the 2× padded grid).
    """
    taper = taper or domain_taper(grid)
    ny, nx = grid.shape
    my, mx = precompute_shape(grid, taper)
    h = grid.spacing
    workers = fft.threads
    # the quarter k = 0..m/2 of the precompute grid's wavevectors
    qx = (2 * np.pi / (mx * h)) * np.arange(mx // 2 + 1)
    qy = (2 * np.pi / (my * h)) * np.arange(my // 2 + 1)
    q = np.hypot(qy[:, None], qx[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        f_hat = closed(q)
    # below q_cut the truncated transform differs from the closed form: quadrature on a small box
    by = int(np.searchsorted(qy, taper.q_cut, side="right"))
    bx = int(np.searchsorted(qx, taper.q_cut, side="right"))
    f_hat[:by, :bx] = truncated_transform(q[:by, :bx], real, closed, taper)
    del q
    f_hat *= spectral_filter(qx[None, :], qy[:, None], h)
    # zero the Nyquist row/column: the (wrapped) offsets they encode are never used
    f_hat[-1, :] = 0.0
    f_hat[:, -1] = 0.0
    norm = 1.0 / (my * mx)  # inverse DFT; the result is h² × kernel at the offsets
    if even:
        comps = {"xx": (qx[None, :] ** 2, (False, False)), "yy": (qy[:, None] ** 2, (False, False)),
                 "xy": (qy[:, None] * qx[None, :], (True, True))}
    else:
        comps = {"x": (qx[None, :], (False, True)), "y": (qy[:, None], (True, False))}
    square = ny == nx and my == mx
    out = {}
    for name, (factor, odd) in comps.items():
        if square and name in ("yy", "y"):  # the transpose of xx / x on a square grid
            other = out["xx" if even else "x"][:ny + 1].T
            out[name] = _unfold_rows(other, odd[0])
            continue
        n_odd = sum(odd)
        # real-space kernel: the i of i q_a and the ±i of each odd axis combine to a sign
        # (inverse: +i per odd axis; even kernels q_a q_b have n_odd ∈ {0, 2}, odd ones i q_a 1)
        sign_inv = (-1.0) ** (n_odd // 2) if even else -1.0
        kernel = _symmetric_sum(factor * f_hat, odd, workers, keep=(ny + 1, nx + 1))
        kernel *= sign_inv * norm
        kernel[ny, :] = 0.0  # offsets ±n are never used by a pair inside D
        kernel[:, nx] = 0.0
        # forward on the 2× grid: −i per odd axis; even → real (−1)^(n_odd/2), odd → imag −1
        spec = _symmetric_sum(kernel, odd, workers)
        if n_odd:
            spec *= -1.0
        out[name] = _unfold_rows(spec, odd[0])
    return out
