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

Everything but f(|q|) is separable (the factors q_a q_b or q_a, the spectral filter, the
normalisation, the cropping to the offsets a pair in D can have), so the build is two blocked
passes that never hold a full precompute-grid array: (1) blocks of rows of the precompute
quarter: f(|q|), times the x weight, inverse along x, cropped to the nx + 1 offsets, times the y
weight, stored transposed ((nx + 1) × (P_y/2 + 1) per component); (2) blocks of those rows:
inverse along y, cropped to the ny + 1 offsets, forward along y on the 2× grid; then the forward
along x in blocks of columns. Every transform runs on one thread per block, the blocks on
``fft.threads`` threads; the blocks are fixed by the shapes, so the bits do not depend on the
thread count. Peak memory: the tables plus one transposed first-pass table per component built
(see :func:`aperiodic_multipliers`).

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
from concurrent.futures import ThreadPoolExecutor
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

KERNEL_FORM = 3
"""Revision of how the free-space multipliers are built (real-space kernel forms, constant
shift, taper and precompute period); part of the disk-cache key, so tables built by an older
revision are not reused. 2: minimum taper width, filter reach, centred kernels, stable U.
3: separable weights and blocked passes (the same tables to round-off, other bits)."""

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


_BLOCK_POINTS = 1 << 17
"""Points (rows × precompute quarter width) of one row block of the first pass of
:func:`aperiodic_multipliers`: small enough to stay in cache while the kernel is evaluated,
weighted and transformed. Fixed, so that the blocks (and the bits) do not depend on threads."""


_TRANSPOSE_BLOCK = 64
"""Rows per block of the transposed copies (a plain ``a.T`` copy of a large table runs ~10×
slower, one cache miss per element) and columns per block of the transforms along axis 0."""


def _r2r_inplace(x: np.ndarray, odd: bool, axis: int, workers: int) -> None:
    """In place along ``axis``: the DCT-I of ``x`` (even), or the DST-I of its interior points
    1 … N − 1 (odd), so that output i lands at index i and the end points are left untouched.

    An even axis sums x_0 + (−1)^i x_N + 2 Σ_{0<k<N} x_k cos(π i k/N); an odd one
    2 Σ_{0<k<N} x_k sin(π i k/N) (the end points of an odd sequence vanish and so do its outputs
    at i = 0, N): Σ_k x_k (cos or sin)(π i k/N) over a full period 2N, the sign and the factor i
    of the odd axes left to the caller."""
    if odd:
        index = [slice(None)] * x.ndim
        index[axis] = slice(1, -1)
        x = x[tuple(index)]
        if x.shape[axis] == 0:
            return
    transform = scipy.fft.dst if odd else scipy.fft.dct
    res = transform(x, type=1, axis=axis, workers=workers, overwrite_x=True)
    if (res.__array_interface__["data"][0] != x.__array_interface__["data"][0]
            or res.strides != x.strides):  # pragma: no cover - scipy transformed a copy
        x[...] = res


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
        (xx, xy, yy); odd: m = 2, components (x, y) (see :data:`COMPONENTS`). Built transposed:
        the array is the ``transpose(0, 2, 1)`` view of a C-contiguous ``(m, nx + 1, ny + 1)``
        array, so the transposed tables cost no copy.

    Notes
    -----
    Peak memory (float64): the returned tables, m (nx + 1)(ny + 1), plus one first-pass table
    (nx + 1)(P_y/2 + 1) per component built (2 of 3 even, 1 of 2 odd on a square grid, where
    yy / y are the transposes of xx / x; all m otherwise), plus the low-q quadrature
    (``kernels.truncated_transform``) and a few blocks of ~1 MiB per thread.
    """
    taper = taper or domain_taper(grid)
    ny, nx = grid.shape
    my, mx = precompute_shape(grid, taper)
    h = grid.spacing
    workers = max(1, int(fft.threads))
    # the quarter k = 0..m/2 of the precompute grid's wavevectors
    qx = (2 * np.pi / (mx * h)) * np.arange(mx // 2 + 1)
    qy = (2 * np.pi / (my * h)) * np.arange(my // 2 + 1)
    rows, cols = qy.size, qx.size
    # below q_cut the truncated transform differs from the closed form: quadrature on a small box
    by = int(np.searchsorted(qy, taper.q_cut, side="right"))
    bx = int(np.searchsorted(qx, taper.q_cut, side="right"))
    qx2, qy2 = qx * qx, qy * qy
    box = truncated_transform(np.hypot(qy[:by, None], qx[None, :bx]),
                              _centred(real, taper.inner), closed, taper, workers=workers)
    # Every step but f(|q|) is separable: the component's factor (q_a q_b or q_a), the spectral
    # filter exp(−α η_x^p) exp(−α η_y^p), the inverse DFT's 1/(P_y P_x) and the zeroed Nyquist
    # row/column (their wrapped offsets are never used) are split into an x and a y weight.
    # Signs: the inverse gives +i per odd axis, the forward on the 2× grid −i per odd axis; with
    # the i of i q_a the product is +1 for every component.
    ex = spectral_filter(qx, 0.0, h)
    ey = spectral_filter(0.0, qy, h)
    ex[-1] = 0.0
    ey[-1] = 0.0
    ones_x, ones_y = np.ones(cols), np.ones(rows)
    if even:
        factors = {"xx": (qx2, ones_y, (False, False)), "xy": (qx, qy, (True, True)),
                   "yy": (ones_x, qy2, (False, False))}
    else:
        factors = {"x": (qx, ones_y, (False, True)), "y": (ones_x, qy, (True, False))}
    names = COMPONENTS[even]
    square = ny == nx and my == mx
    built = [name for name in names if not (square and name in ("yy", "y"))]
    norm = 1.0 / (my * mx)  # inverse DFT; the real-space kernel is h² × kernel at the offsets
    x_weight = [factors[name][0] * ex * norm for name in built]
    y_weight = [factors[name][1] * ey for name in built]
    odds = [factors[name][2] for name in built]
    # (nx + 1, rows) per component: the x offsets 0 … nx (nx zeroed: offsets ±n are never used
    # by a pair inside D) of the first pass, transposed so that every transform runs along
    # contiguous memory
    half = [np.empty((nx + 1, rows)) for _ in built]
    # the tables are built transposed, (m, nx + 1, ny + 1), and returned as a transposed view
    table = np.empty((len(names), nx + 1, ny + 1))

    def inverse_x(start: int, stop: int) -> None:
        """Rows start:stop of the precompute quarter: f(|q|) (the quadrature on the box) times
        the x weight, inverse along x, the offsets 0 … nx kept, times the y weight."""
        # |q| = sqrt(q_x² + q_y²): within an ulp of np.hypot, ~6× faster (the box keeps hypot:
        # its largest |q| sets the Chebyshev interval of the quadrature)
        q = np.add(qy2[start:stop, None], qx2[None, :])
        np.sqrt(q, out=q)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            f = np.asarray(closed(q), dtype=float)
        if start < by:
            f[:min(by, stop) - start, :bx] = box[start:stop]
        work = np.empty_like(f)
        for c in range(len(built)):
            np.multiply(f, x_weight[c], out=work)
            _r2r_inplace(work, odds[c][1], 1, 1)
            dest = half[c][:, start:stop]
            np.multiply(work[:, :nx + 1].T, y_weight[c][start:stop], out=dest)
            dest[nx] = 0.0
            if odds[c][1]:
                dest[0] = 0.0

    def inverse_y(c: int, start: int, stop: int) -> None:
        """x offsets start:stop of component c: inverse along y, the offsets 0 … ny kept (ny
        zeroed), forward along y on the 2× grid, into the (transposed) table."""
        odd_y = odds[c][0]
        t = half[c][start:stop]
        _r2r_inplace(t, odd_y, 1, 1)
        kernel = t[:, :ny + 1]
        kernel[:, ny] = 0.0
        if odd_y:
            kernel[:, 0] = 0.0
        _r2r_inplace(kernel, odd_y, 1, 1)
        table[names.index(built[c])][start:stop] = kernel

    def forward_x(c: int, start: int, stop: int) -> None:
        """Columns start:stop of the transposed table of component c: forward along x on the
        2× grid (in blocks of columns: as fast as along contiguous rows)."""
        _r2r_inplace(table[names.index(built[c])][:, start:stop], odds[c][1], 0, 1)

    def transpose(start: int, stop: int) -> None:
        table[-1][start:stop] = table[0][:, start:stop].T

    block = max(1, _BLOCK_POINTS // cols)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        def each(fn, n, step, *args):
            tasks = [(*args, s, min(s + step, n)) for s in range(0, n, step)]
            if workers == 1 or len(tasks) == 1:
                for task in tasks:
                    fn(*task)
            else:
                for _ in pool.map(lambda task: fn(*task), tasks):
                    pass

        each(inverse_x, rows, block)
        del box
        for c in range(len(built)):
            each(inverse_y, nx + 1, max(1, _BLOCK_POINTS // rows), c)
            half[c] = None
            each(forward_x, ny + 1, _TRANSPOSE_BLOCK, c)
        if square:  # yy / y: the transpose of xx / x
            each(transpose, nx + 1, _TRANSPOSE_BLOCK)
    return table.transpose(0, 2, 1)
