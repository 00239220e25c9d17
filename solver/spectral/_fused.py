"""The compiled multiplier pass of a solve: one loop over a block of the 2-D spectrum that reads
the source's transform once and writes every requested output spectrum (and the energy).

Every output of the Maxwell–London solve is a multiplier times the source's transform â
(``solver.spectral.operators``):

* current and vector potential: out = (ẑ×q)(ẑ×q)ᵀ f â with the tensor stored as q_a q_b f
  (f = W for the current, U for the vector potential), i.e. out_x = T_yy â_x − T_xy â_y,
  out_y = T_xx â_y − T_xy â_x;
* B_z: out = i (g_y â_x − g_x â_y) with g_a the imaginary part of i q_a G;
* energy: Σ w Re(â* · T_W â) (w the half-spectrum weights along q_x).

The multipliers are read from *quarter tables*: the rows k = 0 … P/2 of a transform grid with
P rows (a multiplier is even or odd in q_y, so row P − k is ± row k). Two layouts share this
one kernel:

* tensor tables (free space, ``scalar=False``): ``tw``/``tu`` hold (xx, xy, yy) — xy odd in q_y —
  and ``tg`` holds (x, y) — y odd;
* scalar tables (periodic, ``scalar=True``): ``tw``/``tu``/``tg`` hold f(|q|) alone (even) and the
  tensor is formed with the grid's wavevectors ``qx`` (per column) and ``qy`` (per row).

Compiled once per process with numba (``cache=True``: the machine code is kept on disk, next to
this file or in numba's user cache folder); ``nogil``, so blocks run in parallel threads. The
order of every floating-point operation is fixed, so a block's results do not depend on the
thread that computes it.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["gather_columns", "multiply_block", "multiply_rows", "scatter_columns", "sheet_block",
           "SLOT_NAMES"]

_TILE = 16  # rows per tile of the transposing copies (measured best: 16 rows × 32 columns)


@njit(cache=True, nogil=True)
def gather_columns(src, dst, j0, ncols):  # pragma: no cover - compiled
    """dst[j, k] = src[k, j0 + j] for k < src.shape[0], j < ncols (a transposing copy of a block
    of row-stage columns; dst's other entries are left as they are)."""
    ny = src.shape[0]
    for k0 in range(0, ny, _TILE):
        k1 = min(ny, k0 + _TILE)
        for j in range(ncols):
            for k in range(k0, k1):
                dst[j, k] = src[k, j0 + j]


@njit(cache=True, nogil=True)
def scatter_columns(src, dst, j0, ncols):  # pragma: no cover - compiled
    """dst[k, j0 + j] = src[j, k] for k < dst.shape[0], j < ncols (the first rows of a
    transformed column block back into a row stage)."""
    ny = dst.shape[0]
    for k0 in range(0, ny, _TILE):
        k1 = min(ny, k0 + _TILE)
        for j in range(ncols):
            for k in range(k0, k1):
                dst[k, j0 + j] = src[j, k]

SLOT_NAMES = ("jx", "jy", "Ax", "Ay", "Bz")
"""Output slots of :func:`multiply_block` (``slots[i]`` is the output index of SLOT_NAMES[i],
−1 when not requested)."""


@njit(cache=True, nogil=True)
def _contract(xx, xy, yy, x0, x1):  # pragma: no cover - compiled
    """(ẑ×q)(ẑ×q)ᵀ f · â with the tensor stored as q_a q_b f: (T_yy â_x − T_xy â_y,
    T_xx â_y − T_xy â_x) — the one place this contraction is written."""
    return yy * x0 - xy * x1, xx * x1 - xy * x0


@njit(cache=True, nogil=True)
def multiply_block(x, out, j0, ncols, scalar, qx, qy, tw, tu, tg, slots, scales, unit,
                   weights, energy):  # pragma: no cover - compiled
    """Multiply one block of spectrum columns and accumulate the energy.

    Parameters
    ----------
    x : complex array (n_in, bx, P)
        Source transform on columns j0 … j0 + bx of the 2-D spectrum, one column per row (n_in = 2: â_x, â_y;
        n_in = 4: a second source â' follows, and the energy becomes Σ w Re(â'* · T_W â)).
    out : complex array (n_slots, bx, P)
        Output spectra, written where ``slots`` says.
    j0, ncols : int
        First column of the block in the half spectrum and the number of valid columns.
    scalar : bool
        Table layout (see the module docstring).
    qx, qy : real arrays (C,), (P,)
        Wavevectors per column and row (Nyquist entries zero); read only in the scalar layout
        (zeros otherwise).
    tw, tu, tg : real arrays (m, C, P//2 + 1)
        Quarter tables of the current, vector-potential and field multipliers, stored
        transposed (one spectrum column per row, like ``x``; size 0 when not needed).
    slots : int64 array (5,)
        Output index of j_x, j_y, A_x, A_y, B_z, or −1.
    scales : real array (3,)
        Factors of the current, vector potential and B_z (the inverse transform's 1/N folded in).
    unit : complex array (1,)
        The imaginary unit i in the spectra's dtype (B_z = i t: no complex128 intermediate in
        single precision, where a mixed-precision product would keep the loop from vectorising).
    weights : float64 array (C,)
        Half-spectrum weights along q_x (used when ``energy``).
    energy : bool
        Accumulate the energy sum.

    Returns
    -------
    float
        Σ w Re(â* · T_W â) over the block (0 unless ``energy``), accumulated in float64 in a
        fixed order.
    """
    n_rows = x.shape[2]
    # loop invariants in locals (a store into ``out`` could otherwise alias them)
    s_jx, s_jy, s_ax, s_ay, s_bz = slots[0], slots[1], slots[2], slots[3], slots[4]
    c_j, c_a, c_b = scales[0], scales[1], scales[2]
    want_j = s_jx >= 0
    want_w = energy or want_j
    want_u = s_ax >= 0
    want_g = s_bz >= 0
    ci_b = c_b * unit[0]
    cross = x.shape[0] == 4
    half = n_rows // 2
    total = 0.0
    for j in range(ncols):  # one spectrum column per row of x and out: k runs contiguously
        jj = j0 + j
        qxj = qx[jj]
        col_total = 0.0
        for k in range(n_rows):
            upper = k > half  # row P − k of an odd table is minus row k
            r = n_rows - k if upper else k
            qyk = qy[k]
            x0 = x[0, j, k]
            x1 = x[1, j, k]
            if want_w:
                if scalar:
                    f = tw[0, jj, r]
                    xx = qxj * qxj * f
                    xy = qxj * qyk * f
                    yy = qyk * qyk * f
                else:
                    xx = tw[0, jj, r]
                    xy = -tw[1, jj, r] if upper else tw[1, jj, r]
                    yy = tw[2, jj, r]
                tx, ty = _contract(xx, xy, yy, x0, x1)
                if energy:
                    if cross:
                        y0 = x[2, j, k]
                        y1 = x[3, j, k]
                    else:
                        y0 = x0
                        y1 = x1
                    col_total += (float(y0.real) * float(tx.real)
                                  + float(y0.imag) * float(tx.imag)
                                  + float(y1.real) * float(ty.real)
                                  + float(y1.imag) * float(ty.imag))
                if want_j:
                    out[s_jx, j, k] = c_j * tx
                    out[s_jy, j, k] = c_j * ty
            if want_u:
                if scalar:
                    f = tu[0, jj, r]
                    xx = qxj * qxj * f
                    xy = qxj * qyk * f
                    yy = qyk * qyk * f
                else:
                    xx = tu[0, jj, r]
                    xy = -tu[1, jj, r] if upper else tu[1, jj, r]
                    yy = tu[2, jj, r]
                ux, uy = _contract(xx, xy, yy, x0, x1)
                out[s_ax, j, k] = c_a * ux
                out[s_ay, j, k] = c_a * uy
            if want_g:
                if scalar:
                    g = tg[0, jj, r]
                    gx = qxj * g
                    gy = qyk * g
                else:
                    gx = tg[0, jj, r]
                    gy = -tg[1, jj, r] if upper else tg[1, jj, r]
                t = gy * x0 - gx * x1
                out[s_bz, j, k] = ci_b * t  # c_b i t
        if energy:
            total += weights[jj] * col_total
    return total


@njit(cache=True, nogil=True)
def sheet_block(x, out, j0, ncols, table, odd):  # pragma: no cover - compiled
    """The free-space sheet operators of the finite-film solver on one column block
    (``solver.spectral.finite_film.FreeSpaceSheet``): one input spectrum g (x[0]) and quarter
    tables stored transposed like :func:`multiply_block`'s.

    ``odd`` False: out[0] = t[0] g (an even scalar multiplier). ``odd`` True: the pair
    out[0] = i t_y g, out[1] = −i t_x g with (t_x, t_y) = table[0], table[1] (t_y odd in q_y).
    Returns 0.0 (the pipeline's block value).
    """
    n_rows = x.shape[2]
    half = n_rows // 2
    for j in range(ncols):
        jj = j0 + j
        for k in range(n_rows):
            if k <= half:
                r = k
                sign = 1.0
            else:
                r = n_rows - k
                sign = -1.0
            g = x[0, j, k]
            if odd:
                out[0, j, k] = complex(-g.imag, g.real) * (sign * table[1, jj, r])
                out[1, j, k] = complex(g.imag, -g.real) * table[0, jj, r]
            else:
                out[0, j, k] = table[0, jj, r] * g
    return 0.0


@njit(cache=True, nogil=True)
def multiply_rows(x, out_j, out_a, out_b, r0, r1, qx, qy, tw, tu, tg, scales, unit, weights,
                  energy):  # pragma: no cover - compiled
    """:func:`multiply_block` for the periodic operator on rows r0 … r1 − 1 of the full,
    row-major half spectrum (the unpadded transform set of ``pruned.DenseTransform``).

    x : complex (n_in, P, C) — â_x, â_y (n_in = 4: a second source follows, cross energy);
    out_j, out_a : complex (2, P, C) or size 0 — current and vector-potential spectra;
    out_b : complex (P, C) or size 0 — B_z; tw, tu, tg : real (1, P//2 + 1, C) scalar
    quarter tables f(|q|) (row-major); qx (C,), qy (P,) the Nyquist-zeroed wavevectors; scales,
    unit, weights, energy as in :func:`multiply_block`. The tensor is q_a q_b f, i.e. with
    c = q_x â_y − q_y â_x: T â = (−q_y f c, q_x f c)… written out below as in
    :func:`multiply_block`. Returns Σ w Re(â'* · T_W â) over the rows (0 unless ``energy``).
    """
    n_rows = x.shape[1]
    ncols = x.shape[2]
    half = n_rows // 2
    want_j = out_j.size > 0
    want_u = out_a.size > 0
    want_g = out_b.size > 0
    want_w = energy or want_j
    cross = x.shape[0] == 4
    c_j, c_a, c_b = scales[0], scales[1], scales[2]
    ci_b = c_b * unit[0]
    total = 0.0
    for k in range(r0, r1):
        r = k if k <= half else n_rows - k
        qyk = qy[k]
        row_total = 0.0
        for j in range(ncols):
            qxj = qx[j]
            x0 = x[0, k, j]
            x1 = x[1, k, j]
            if want_w:
                f = tw[0, r, j]
                xx = qxj * qxj * f
                xy = qxj * qyk * f
                yy = qyk * qyk * f
                tx, ty = _contract(xx, xy, yy, x0, x1)
                if energy:
                    if cross:
                        y0 = x[2, k, j]
                        y1 = x[3, k, j]
                    else:
                        y0 = x0
                        y1 = x1
                    row_total += weights[j] * (float(y0.real) * float(tx.real)
                                               + float(y0.imag) * float(tx.imag)
                                               + float(y1.real) * float(ty.real)
                                               + float(y1.imag) * float(ty.imag))
                if want_j:
                    out_j[0, k, j] = c_j * tx
                    out_j[1, k, j] = c_j * ty
            if want_u:
                f = tu[0, r, j]
                xx = qxj * qxj * f
                xy = qxj * qyk * f
                yy = qyk * qyk * f
                ux, uy = _contract(xx, xy, yy, x0, x1)
                out_a[0, k, j] = c_a * ux
                out_a[1, k, j] = c_a * uy
            if want_g:
                g = tg[0, r, j]
                t = (qyk * g) * x0 - (qxj * g) * x1
                out_b[k, j] = ci_b * t  # c_b i t
        total += row_total
    return total
