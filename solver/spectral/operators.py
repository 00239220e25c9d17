"""Spectral response operators of the Maxwell–London problem (periodic and free space).

Both operators turn a source a (2, ny, nx) into a *state* (its transform) once, and then give the
energy (a Parseval sum, no inverse transform), the current, the vector potential and B_z at any
height (one fused multiplier pass per output component + one inverse FFT executed directly into
the output). Multipliers are built lazily, only for the outputs that are asked for, and cached.

* :class:`PeriodicOperator` — closed-form kernels of ``solver.kernels`` on the grid's wavevectors.
  Everything is a multiplier times the scalar c(q) = q_x a_y − q_y a_x, so the state is c alone
  (one half-spectrum). The Nyquist row and column of c are zero (odd multipliers have no sign
  there): the source's Nyquist mode carries no current.
* :class:`OpenOperator` — Vico–Greengard–Ferrando free-space kernels (``solver.freespace``) on the
  2× zero-padded grid: a real symmetric 2×2 tensor for j and A, two odd multipliers for B_z.
  Kernel tables are cached on disk (``solver.cache``).
"""
from __future__ import annotations

import math
import threading
from functools import lru_cache, partial

import numpy as np

from .._common import cache, checks
from . import kernels
from .fft import FFTBackend
from .freespace import KERNEL_FORM, aperiodic_multipliers, domain_taper, precompute_shape
from ..model.grid import Grid

__all__ = ["BaseOperator", "half_spectrum_weights", "OpenOperator", "PeriodicOperator",
           "PRECISIONS"]


PRECISIONS = {"double": np.float64, "single": np.float32}
"""Operator precisions and their real dtypes (spectra are the matching complex dtype)."""


def _vdot(x: np.ndarray, y: np.ndarray) -> float:
    """Re Σ conj(x) y, accumulated in float64 (single-precision inputs: pairwise float64 sum,
    not a float32 BLAS dot, whose error grows with the number of terms)."""
    if x.dtype == np.complex128 and y.dtype == np.complex128:
        return float(np.vdot(x, y).real)
    prod = np.multiply(np.conj(x), y)
    return float(prod.real.sum(dtype=np.float64))


def half_spectrum_weights(nx: int) -> np.ndarray:
    """Parseval weights of an rfft half spectrum along q_x, shape (nx//2 + 1,): 1 on q_x = 0 and
    on the Nyquist column (nx even), 2 elsewhere (the conjugate half counted twice)."""
    w = np.full(nx // 2 + 1, 2.0)
    w[0] = 1.0
    if nx % 2 == 0:
        w[-1] = 1.0
    return w


@lru_cache(maxsize=64)
def _weight_corrections(nx: int) -> tuple[tuple[int, float], ...]:
    """Columns whose :func:`half_spectrum_weights` differ from the interior weight 2, with
    w − 2 (q_x = 0 and, for even nx, the Nyquist column: −1)."""
    w = half_spectrum_weights(nx)
    return tuple((int(k), float(w[k] - 2.0)) for k in np.flatnonzero(w != 2.0))


def _weighted_vdot(x: np.ndarray, y: np.ndarray, nx: int) -> float:
    """Σ w Re(conj(x) y) over an rfft half spectrum, w = :func:`half_spectrum_weights` along the
    last axis: 2 Σ Re(conj(x) y) corrected on the few columns where w ≠ 2 (no temporary)."""
    total = 2.0 * _vdot(x, y)
    for k, dw in _weight_corrections(nx):
        total += dw * _vdot(x[..., k], y[..., k])
    return float(total)


def _quadrature_bytes(grid: Grid, taper, precompute: tuple[int, int]) -> float:
    """Peak bytes of the radial quadrature of one free-space build
    (``kernels.truncated_transform`` on the wavevectors of the quarter precompute grid below
    ``taper.q_cut``): two (rows × radial nodes) float64 tables (q r and J0(q r)), rows = the
    Chebyshev degree + 1 (or the distinct |q| if fewer than twice the degree), plus the small
    box of wavevectors. Independent of the grid size once the grid is not tiny (~28 MiB)."""
    my, mx = precompute
    h = grid.spacing
    q_cut = taper.q_cut
    axes = []
    for m in (my, mx):  # the wavevectors k dq <= q_cut of one quarter axis (as freespace builds them)
        dq = 2 * np.pi / (m * h)
        q = dq * np.arange(min(m // 2 + 1, int(q_cut / dq) + 2))
        axes.append(q[:int(np.searchsorted(q, q_cut, side="right"))])
    box = np.hypot(axes[0][:, None], axes[1][None, :])
    qs = np.unique(box[box < q_cut])
    if qs.size == 0:
        return 0.0
    q_top = float(qs[-1])
    degree = int(1.1 * taper.outer * q_top) + 32
    rows = degree + 1 if qs.size > 2 * degree else qs.size
    nodes = kernels.radial_nodes(taper, q_top)[0].size
    return float(16 * rows * nodes + 8 * 8 * nodes + 6 * box.nbytes)


class BaseOperator:
    """Common part: grid bookkeeping, memory check, thread safety, field cache."""

    boundary = ""
    padding = 1
    """The solve grid is the operator grid zero-padded ``padding`` times along each axis."""

    def __init__(self, grid: Grid, pearl_length: float, fft: FFTBackend, solve_grid: Grid,
                 precision: str = "double") -> None:
        self.grid = grid
        self.pearl_length = checks.positive_length("pearl_length", pearl_length, allow_inf=True)
        self.fft = fft
        self.solve_grid = solve_grid
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be 'double' or 'single', got {precision!r}")
        self.precision = precision
        self.dtype = np.dtype(PRECISIONS[precision])  # real dtype of work arrays and outputs
        self.complex_dtype = np.result_type(self.dtype, np.complex64)
        checks.memory_fits(f"the {self.boundary}-boundary operator on a {grid.shape} grid",
                           self.memory_estimate(grid, precision))
        self.n_solve = solve_grid.ny * solve_grid.nx
        self.norm = grid.cell_area / self.n_solve  # h²/N, Parseval
        self._lock = threading.RLock()
        self._cache: dict = {}

    @classmethod
    def memory_estimate(cls, grid: Grid, precision: str = "double") -> float:  # pragma: no cover
        """Peak bytes of the operator on ``grid`` and one solve with every output (energy,
        current, vector potential, B_z at one height); overridden."""
        raise NotImplementedError

    @classmethod
    def shape_spectra_memory(cls, grid: Grid, n: int) -> tuple[float, float]:
        """Bytes of :meth:`shape_spectra` for ``n`` fields on ``grid``: (the complex128 spectra it
        returns, the transient work of one batch). Per field a batch holds its zero-padded input
        (open boundary only), the one-off transform's internal copies of it (two with pyfftw,
        measured) and the transform's output before it is copied into the result."""
        sy, sx = cls.padding * grid.ny, cls.padding * grid.nx
        real, spectrum = sy * sx * 8, sy * (sx // 2 + 1) * 16
        batch = max(1, min(n, cls.BATCH_BYTES // real))
        copies = 3 if cls.padding > 1 else 2
        return float(n * spectrum), float(batch * (copies * real + spectrum))

    BATCH_BYTES = 256 * 2**20
    """Largest real (padded) input of one batched transform in :meth:`shape_spectra` (bytes)."""

    def _cached(self, key, build):
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = build()
        with self._lock:
            fields = [k for k in self._cache if isinstance(k, tuple) and k[0] == "field"]
            if len(fields) >= 8 and isinstance(key, tuple) and key[0] == "field":
                self._cache.pop(fields[0])
            self._cache[key] = value
        return value

    def shape_spectra(self, shapes: np.ndarray) -> np.ndarray:
        """rfft2 of a stack of scalar fields ``(n, ny, nx)`` on the operator grid, zero-padded
        onto the solve grid (open boundary), as complex128 ``(n, sy, sx//2 + 1)``.

        One multi-field transform per batch of at most ``BATCH_BYTES`` of (padded) input; the
        padding is done per batch in one reused buffer, so only the returned spectra are
        full-size (see :meth:`shape_spectra_memory`). The plan is built per batch shape and not
        kept.
        """
        shapes = np.asarray(shapes, dtype=float)
        n = shapes.shape[0]
        ny, nx = self.grid.shape
        sy, sx = self.solve_grid.shape
        batch = max(1, min(n, self.BATCH_BYTES // (sy * sx * 8)))
        out = np.empty((n, sy, sx // 2 + 1), dtype=complex)
        padded = (sy, sx) != (ny, nx)
        work = np.zeros((min(batch, n), sy, sx)) if padded else None
        for start in range(0, n, batch):
            stop = min(n, start + batch)
            if padded:  # outside [:ny, :nx] the buffer stays zero
                block = work[:stop - start]
                block[:, :ny, :nx] = shapes[start:stop]
            else:
                block = shapes[start:stop]
            out[start:stop] = self.fft.rfft2(block, cache=False)
        return out

    def energy(self, state: np.ndarray, stiffness: float) -> float:
        """F = −½ ∫ j·a d²r >= 0."""
        return 0.5 * self.cross_energy(state, state, stiffness)

    # --- outputs: one definition, each subclass supplies _vector_output(state, name, scale) ---
    def current(self, state: np.ndarray, stiffness: float) -> np.ndarray:
        """Sheet current j = −s W (ẑ×q)… of the solved ``state``, shape (2, ny, nx).

        Periodic: j = −s W (ẑ×q) c = s W (q_y c, −q_x c); open: j = −s (ẑ×q)(ẑ×q)ᵀ W â.
        """
        return self._vector_output(state, "W", stiffness)

    def vector_potential(self, state: np.ndarray) -> np.ndarray:
        """Vector potential A (Coulomb gauge) at z = 0 of the solved ``state``, (2, ny, nx).

        Periodic: A = −U (ẑ×q) c = U (q_y c, −q_x c); open: A = −(ẑ×q)(ẑ×q)ᵀ U â.
        """
        return self._vector_output(state, "U", 1.0)

    def _vector_output(self, state: np.ndarray, name: str, scale: float) -> np.ndarray:
        raise NotImplementedError


class PeriodicOperator(BaseOperator):
    """The periodic film with the grid as unit cell (closed-form kernels)."""

    boundary = "periodic"
    padding = 1

    def __init__(self, grid: Grid, pearl_length: float, fft: FFTBackend,
                 precision: str = "double") -> None:
        super().__init__(grid, pearl_length, fft, grid, precision)
        qx, qy = grid.odd_wavevectors()
        # odd multipliers, Nyquist zeroed, in the operator's precision
        self.qx, self.qy = qx[None, :].astype(self.dtype), qy[:, None].astype(self.dtype)
        self.q = np.hypot(grid.qy[:, None], grid.qx[None, :])
        self.filter = kernels.spectral_filter(grid.qx[None, :], grid.qy[:, None], grid.spacing)

    @classmethod
    def memory_estimate(cls, grid: Grid, precision: str = "double") -> float:
        """Peak bytes of the operator and one solve with every output (see
        :meth:`BaseOperator.memory_estimate`); ``half`` = one real float64 half spectrum."""
        s = np.dtype(PRECISIONS[precision]).itemsize / 8
        field = grid.ny * grid.nx * 8
        half = grid.ny * (grid.nx // 2 + 1) * 8
        # float64 whatever the precision: |q| and the spectral filter, and the transient of one
        # multiplier build (a complex128 product and the kernel values before the cast), and the
        # solution's private copy of the source a (2 fields)
        held64 = 2 * half + 5 * half + 2 * field
        # solve precision: transform pairs for 2 and 1 fields (3 fields, 3 complex spectra), the
        # state c, W, U and their (q_y, −q_x) pairs, q_a q_b W (interactions), one complex B_z
        # multiplier, and the outputs j, A, B_z (5 fields)
        held = 3 * field + 6 * half + 2 * half + 9 * half + 2 * half + 5 * field
        return s * held + held64

    def transform(self, a: np.ndarray) -> np.ndarray:
        """State: c(q) = q_x a_y(q) − q_y a_x(q) (discrete transform), one half spectrum."""
        tp = self.fft.pair(2, self.grid.shape, self.dtype)
        with tp.lock:
            ah = tp.forward_into(np.asarray(a, dtype=self.dtype), tp.spectrum)
            c = np.multiply(ah[1], self.qx)
            np.multiply(ah[0], self.qy, out=ah[0])
            c -= ah[0]
        return c

    def _scalar(self, name: str) -> np.ndarray:
        r0 = self.pearl_length
        fn = {"W": kernels.current_kernel, "U": kernels.vector_potential_kernel}[name]
        return self._cached(name, lambda: (fn(self.q, r0) * self.filter).astype(self.dtype))

    def _pair_multipliers(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(f q_y, −f q_x)/N: X = (ẑ×q)·... → X_x = f q_y c, X_y = −f q_x c for f = W (j/(−s)·−1) or U."""
        def build():
            f = self._scalar(name) / self.dtype.type(self.n_solve)
            return (f * self.qy, -(f * self.qx))
        return self._cached(("pair", name), build)

    def _vector_output(self, c: np.ndarray, name: str, scale: float) -> np.ndarray:
        mx, my = self._pair_multipliers(name)
        out = self.fft.empty((2,) + self.grid.shape, self.dtype)
        tp = self.fft.pair(2, self.grid.shape, self.dtype)
        with tp.lock:
            spec = tp.spectrum
            np.multiply(c, mx, out=spec[0])
            np.multiply(c, my, out=spec[1])
            if scale != 1.0:
                spec *= scale
            tp.inverse_into(spec, out)
        return out

    def field_z(self, c: np.ndarray, height: float = 0.0) -> np.ndarray:
        """B_z = −i G_z c."""
        z = checks.nonnegative("height", height)
        mult = self._cached(("field", z), lambda: ((-1j / self.n_solve) * self.filter
                            * kernels.field_kernel(self.q, self.pearl_length, z)
                                                   ).astype(self.complex_dtype))
        out = self.fft.empty((1,) + self.grid.shape, self.dtype)
        tp = self.fft.pair(1, self.grid.shape, self.dtype)
        with tp.lock:
            np.multiply(c, mult, out=tp.spectrum[0])
            tp.inverse_into(tp.spectrum, out)
        return out[0]

    def cross_energy(self, c1: np.ndarray, c2: np.ndarray, stiffness: float) -> float:
        """F_12 = −∫ j[1]·a[2] = s (h²/N) Σ w W Re(c1 c2*)."""
        W = self._scalar("W")
        tp = self.fft.pair(2, self.grid.shape, self.dtype)
        with tp.lock:  # the pair's spectrum is the scratch: no temporary
            t = np.multiply(c1, W, out=tp.spectrum[0])
            total = _weighted_vdot(c2, t, self.grid.nx)
        return stiffness * self.norm * total

    @property
    def current_multiplier(self) -> dict[str, np.ndarray]:
        """q_a q_b W(q) (Nyquist-consistent with the scalar route), for pair tensors."""
        def build():
            W = self._scalar("W")
            return {"xx": self.qx**2 * W, "xy": self.qx * self.qy * W, "yy": self.qy**2 * W}
        return self._cached("tensorW", build)


class OpenOperator(BaseOperator):
    """The isolated infinite film (free space): exact for sources inside the grid."""

    boundary = "open"
    padding = 2

    def __init__(self, grid: Grid, pearl_length: float, fft: FFTBackend,
                 precision: str = "double") -> None:
        super().__init__(grid, pearl_length, fft, grid.padded(self.padding), precision)
        self._input = fft.empty((2,) + self.solve_grid.shape, self.dtype)
        self._input[...] = 0.0
        self._scratch = fft.empty((self.solve_grid.ny, self.solve_grid.nx // 2 + 1),
                                  dtype=self.complex_dtype)

    @classmethod
    def memory_estimate(cls, grid: Grid, precision: str = "double") -> float:
        """Peak bytes of the operator and one solve with every output (see
        :meth:`BaseOperator.memory_estimate`): the arrays it holds, in the solve precision, plus
        the largest transient of one float64 free-space kernel build on top.

        ``half`` = one real float64 multiplier on the padded rfft grid (2 ny × (nx + 1)),
        ``quarter`` = one float64 array on the quarter precompute grid of ``freespace``.
        Traced peaks of a solve with every output (estimate in brackets), MiB: double 128² 36
        (39), 256² 60 (69), 512² 154 (192), 1024² 600 (766); single 256² 45 (50), 512² 96 (117),
        1024² 352 (466). Small grids are dominated by the grid-independent quadrature tables.
        """
        s = np.dtype(PRECISIONS[precision]).itemsize / 8
        ny, nx = grid.shape
        field = ny * nx * 8
        padded = 4 * field
        half = 2 * ny * (nx + 1) * 8
        # solve precision: the zero-padded input (2 padded fields), the complex scratch (2 half),
        # transform pairs for 2 and 1 fields (3 padded fields, 6 half), one state (4 half),
        # q_a q_b W, −W/N, −U/N (9 half), one complex B_z multiplier (4 half), j, A, B_z (5 fields)
        held = 5 * padded + 25 * half + 5 * field
        held64 = 2 * field  # the solution's private float64 copy of the source a
        # one float64 build (freespace.aperiodic_multipliers): first |q| and f̂ on the quarter grid
        # with the radial quadrature tables, then the DCT-I/DST-I passes (≤ 6 quarter arrays,
        # measured ≤ 5.5) while the raw tensor (3 half) is filled
        taper = domain_taper(grid)
        my, mx = precompute_shape(grid, taper)
        quarter = (my // 2 + 1) * (mx // 2 + 1) * 8
        build = max(2 * quarter + _quadrature_bytes(grid, taper, (my, mx)),
                    3 * half + 6 * quarter)
        return s * held + held64 + build

    def _tensor(self, kind: str, height: float = 0.0) -> dict[str, np.ndarray]:
        """Raw free-space multipliers (disk-cached): q_a q_b f for 'W', 'U'; i q_a G_z for 'G'."""
        r0 = self.pearl_length
        taper = domain_taper(self.grid)
        digest = cache.key_digest(kind=kind, shape=self.grid.shape, spacing=self.grid.spacing,
                                  pearl_length=r0, height=height, taper=(taper.inner, taper.outer),
                                  precompute=precompute_shape(self.grid, taper), form=KERNEL_FORM,
                                  filter=(kernels.FILTER_STRENGTH, kernels.FILTER_ORDER))
        stored = cache.load_arrays("vgf", digest, expect=dict.fromkeys(
            ("x", "y") if kind == "G" else ("xx", "xy", "yy"),
            ((2 * self.grid.ny, self.grid.nx + 1), np.float64)))
        if stored is not None:
            return stored
        real, closed = {
            "W": (kernels.current_kernel_real, kernels.current_kernel),
            "U": (kernels.vector_potential_kernel_real, kernels.vector_potential_kernel),
            "G": (kernels.field_kernel_real, kernels.field_kernel),
        }[kind]
        extra = {"height": height} if kind == "G" else {}
        mult = aperiodic_multipliers(self.grid, partial(real, pearl_length=r0, **extra),
                                     partial(closed, pearl_length=r0, **extra), self.fft,
                                     even=(kind != "G"), taper=taper)
        cache.save_arrays("vgf", digest, mult)
        return mult

    @property
    def current_multiplier(self) -> dict[str, np.ndarray]:
        """q_a q_b W on the padded grid (free space), for pair tensors and energies."""
        return self._cached("tensorW", lambda: {k: v.astype(self.dtype, copy=False)
                                                for k, v in self._tensor("W").items()})

    def _scaled(self, name: str) -> dict[str, np.ndarray]:
        """Tensor with −1/N folded in (the inverse transforms are unnormalised)."""
        def build():
            raw = self.current_multiplier if name == "W" else self._tensor("U")
            return {k: (v * (-1.0 / self.n_solve)).astype(self.dtype) for k, v in raw.items()}
        return self._cached(("scaled", name), build)

    def transform(self, a: np.ndarray) -> np.ndarray:
        """State: the transform of a zero-padded onto the 2× grid, shape (2, 2ny, nx + 1)."""
        ny, nx = self.grid.shape
        sg = self.solve_grid
        tp = self.fft.pair(2, sg.shape, self.dtype)
        out = self.fft.empty((2, sg.ny, sg.nx // 2 + 1), dtype=self.complex_dtype)
        with self._lock:
            self._input[:, :ny, :nx] = a
            tp.forward_into(self._input, out)
        return out

    def _apply(self, m: dict[str, np.ndarray], a_hat: np.ndarray, out: np.ndarray) -> None:
        """out = (ẑ×q)(ẑ×q)ᵀ f · â with the tensor stored as q_a q_b f (times any folded factor)."""
        tmp = self._scratch
        np.multiply(a_hat[0], m["yy"], out=out[0])
        np.multiply(a_hat[1], m["xy"], out=tmp)
        out[0] -= tmp
        np.multiply(a_hat[1], m["xx"], out=out[1])
        np.multiply(a_hat[0], m["xy"], out=tmp)
        out[1] -= tmp

    def _vector_output(self, a_hat: np.ndarray, name: str, scale: float) -> np.ndarray:
        ny, nx = self.grid.shape
        tp = self.fft.pair(2, self.solve_grid.shape, self.dtype)
        out = self.fft.empty((2, ny, nx), self.dtype)
        m = self._scaled(name)
        with self._lock, tp.lock:
            self._apply(m, a_hat, tp.spectrum)
            if scale != 1.0:
                tp.spectrum *= scale
            tp.inverse_into(tp.spectrum, tp.real)
            out[...] = tp.real[:, :ny, :nx]
        return out

    def field_z(self, a_hat: np.ndarray, height: float = 0.0) -> np.ndarray:
        """B_z = i q_y G â_x − i q_x G â_y (stored: imaginary parts of i q_a G)."""
        z = checks.nonnegative("height", height)

        def build():
            raw = self._tensor("G", z)
            return {k: (v * (1j / self.n_solve)).astype(self.complex_dtype) for k, v in raw.items()}
        g = self._cached(("field", z), build)
        ny, nx = self.grid.shape
        tp = self.fft.pair(1, self.solve_grid.shape, self.dtype)
        with self._lock, tp.lock:
            spec = tp.spectrum[0]
            np.multiply(a_hat[0], g["y"], out=spec)
            np.multiply(a_hat[1], g["x"], out=self._scratch)
            spec -= self._scratch
            tp.inverse_into(tp.spectrum, tp.real)
            return tp.real[0, :ny, :nx].copy()

    def cross_energy(self, a1_hat: np.ndarray, a2_hat: np.ndarray, stiffness: float) -> float:
        """F_12 = −∫ j[1]·a[2] = s (h²/N) Σ w Re(â2* · T â1), T = (ẑ×q)(ẑ×q)ᵀ W."""
        m = self.current_multiplier
        nx = self.solve_grid.nx
        tp = self.fft.pair(2, self.solve_grid.shape, self.dtype)
        with self._lock, tp.lock:  # the pair's spectrum is the scratch: no temporaries
            self._apply(m, a1_hat, tp.spectrum)
            total = (_weighted_vdot(a2_hat[0], tp.spectrum[0], nx)
                     + _weighted_vdot(a2_hat[1], tp.spectrum[1], nx))
        return stiffness * self.norm * total
