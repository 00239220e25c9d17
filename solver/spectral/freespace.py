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

Two lengths in cells make this exact on small and thin grids too (``domain_taper`` and
``precompute_shape``): the taper's erfc scale is at least ``TAPER_MIN_SIGMA_CELLS`` cells, so the
truncation is resolved below the spectral filter's band edge, and the precompute period keeps
the images of the kernel's singular core beyond the reach of the filter's slowly decaying
real-space tail (:func:`filter_reach_cells`, 241 cells). The same source on any grid containing
it then gives the same current, B_z and energy to ~1e-13 and A to ~3e-11 of its maximum
(``tests/test_open_small_grids.py``; A's kernel grows across the taper, see there).

Multipliers are returned as *quarter tables* of the rfft grid of the 2× padded grid (rows
0 … ny; the other rows follow by parity in q_y), real arrays: (xx, xy, yy) for q_a q_b f(q)
(even kernels) and (x, y) for the imaginary part of i q_a f(q) (odd kernels).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import scipy.fft

from .fft import FFTBackend
from ..model.grid import Grid
from .kernels import FILTER_ORDER, FILTER_STRENGTH, Taper, spectral_filter, truncated_transform

__all__ = ["aperiodic_multipliers", "COMPONENTS", "ODD_IN_Y", "unfold_rows", "domain_taper", "filter_reach_cells",
           "FILTER_REACH_TOLERANCE", "KERNEL_FORM", "precompute_shape", "TAPER_MIN_SIGMA_CELLS",
           "TAPER_WIDTH"]

TAPER_WIDTH = 0.5
"""Width of the truncation taper (outer − inner) in units of the domain diagonal. Smaller values
shrink the precompute grid (period n + (1 + width)·diag) but raise the quadrature cut-off
q_cut ∝ 1/width; 0.5 balances the two (measured in ``benchmarks/bench_solve.py``)."""

TAPER_MIN_SIGMA_CELLS = 8.0
"""Smallest erfc scale σ = (outer − inner)/12 of the taper, in cells. The edge of the truncated
kernel then has its spectrum (∝ exp(−(qσ)²/4)) far below round-off wherever the spectral filter
differs from 1, so the filtered, truncated kernel equals the untruncated one at every offset
inside the domain. With σ ≈ 1 cell (TAPER_WIDTH × diagonal on a 16² grid) the open solve
differed from the same source on a larger grid by 7e-3 in the current; with 8 cells, ~1e-13.
Only grids with a diagonal below 12 σ / TAPER_WIDTH = 192 cells are affected."""

KERNEL_FORM = 2
"""Revision of how the free-space multipliers are built (real-space kernel forms, constant
shift, taper and precompute period); part of the disk-cache key, so tables built by an older
revision are not reused. 2: minimum taper width, filter reach, centred kernels, stable U."""

COMPONENTS = {True: ("xx", "xy", "yy"), False: ("x", "y")}
"""Components of :func:`aperiodic_multipliers` (even kernels: q_a q_b f; odd: i q_a f), in
the order of its table's first axis; ``xy`` and ``y`` are odd in q_y."""

ODD_IN_Y = {True: (False, True, False), False: (False, True)}
"""Parity in q_y of each component of :data:`COMPONENTS` (True: row 2ny − k = −row k)."""

FILTER_REACH_TOLERANCE = 1e-16
"""Relative level below which the real-space tail of the spectral filter is neglected (see
:func:`filter_reach_cells`)."""


@lru_cache(maxsize=4)
def filter_reach_cells(strength: float = FILTER_STRENGTH, order: int = FILTER_ORDER) -> int:
    """Distance (cells) beyond which the real-space kernel of the spectral filter stays below
    ``FILTER_REACH_TOLERANCE`` of its centre value: 240 for the default filter.

    The discrete kernels are the continuum kernels convolved with this filter kernel φ; its
    sharp (order-36) edge at the zone boundary makes φ decay slowly (1e-2 at 16 cells, 1e-9 at
    128). A periodic image of the kernel's singular core must stay this far from every offset
    inside the domain, or its φ tail aliases into the result (see :func:`precompute_shape`).
    """
    n = 4096  # 1-D inverse DFT of the filter on the zone; φ is negligible long before n/2
    eta = 2.0 * np.fft.rfftfreq(n)
    phi = np.fft.irfft(np.exp(-strength * eta ** order), n)
    tail = np.abs(phi[:n // 2] / phi[0])
    envelope = np.maximum.accumulate(tail[::-1])[::-1]  # largest |φ| at or beyond each distance
    return int(np.argmax(envelope < FILTER_REACH_TOLERANCE))


def _even_fast_len(n: int) -> int:
    """The smallest even length ≥ n whose half is a fast (5-smooth) transform length."""
    return 2 * scipy.fft.next_fast_len((n + 1) // 2, real=True)


def precompute_shape(grid: Grid, taper: Taper) -> tuple[int, int]:
    """Period of the precompute grid along each axis (even, fast half), in cells.

    At least n + max(taper.outer / h, :func:`filter_reach_cells`) + 2: every periodic image of
    the truncated kernel lies beyond ``taper.outer`` of every offset inside the domain, and its
    singular core beyond the reach of the spectral filter's real-space tail (which matters only
    on small grids: outer ≥ 240 cells once the diagonal exceeds 160 cells).
    """
    extra = max(int(math.ceil(taper.outer / grid.spacing)), filter_reach_cells()) + 2
    return tuple(_even_fast_len(n + extra) for n in grid.shape)


def domain_taper(grid: Grid) -> Taper:
    """Taper equal to 1 up to the domain diagonal and 0 beyond it plus a width of
    max(TAPER_WIDTH × diagonal, 12 × TAPER_MIN_SIGMA_CELLS cells)."""
    diag = grid.spacing * math.hypot(*grid.shape)
    min_width = 12.0 * TAPER_MIN_SIGMA_CELLS * grid.spacing
    if TAPER_WIDTH * diag >= min_width:
        return Taper(inner=diag, outer=(1.0 + TAPER_WIDTH) * diag)
    return Taper(inner=diag, outer=diag + min_width)


def _centred(real, radius: float):
    """f(r) − f(radius): the radial kernel shifted by a constant so that it is O(its variation)
    on the taper, where the quadrature of the truncated transform is done.

    A constant c added to f changes the truncated transform by c ŵ(q) (w the taper), and every
    multiplier is a derivative (q_a q_b f̂ or i q_a f̂) whose real-space kernel is unchanged where
    w = 1, i.e. at every offset inside the domain. Unshifted, the Keldysh kernel
    W ≈ [ln(2 r0) − γ − ln r]/(2π) for r ≪ r0 carries a constant ≈ 35/(2π) at r0 = 1e15 whose
    transform the quadrature had to cancel (1e-11 relative errors in the current)."""
    offset = float(np.asarray(real(np.array([radius], dtype=float))).ravel()[0])

    def shifted(r: np.ndarray) -> np.ndarray:
        return real(r) - offset
    return shifted


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


def unfold_rows(quarter: np.ndarray, odd_y: bool) -> np.ndarray:
    """A quarter table (rows 0 … P/2) unfolded to all P rows of the rfft grid (row P − k = ±row
    k); a new array."""
    tail = quarter[-2:0:-1]
    return np.ascontiguousarray(np.concatenate([quarter, -tail if odd_y else tail], axis=0))


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
    ndarray, float64, shape ``(m, ny + 1, nx + 1)``
        Quarter tables: rows k = 0 … ny of the rfft grid of the 2× padded grid (row 2ny − k is
        ± row k: ``xy`` and ``y`` are odd in q_y, the others even). ``even``: m = 3, components
        (xx, xy, yy); odd: m = 2, components (x, y) (see :data:`COMPONENTS`).
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
    f_hat[:by, :bx] = truncated_transform(q[:by, :bx], _centred(real, taper.inner), closed, taper)
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
    names = COMPONENTS[even]
    out = np.empty((len(names), ny + 1, nx + 1))
    for index, name in enumerate(names):
        factor, odd = comps[name]
        if square and name in ("yy", "y"):  # the transpose of xx / x on a square grid
            out[index] = out[0].T
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
        out[index] = spec
    return out
