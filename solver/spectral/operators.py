"""Spectral response operators of the Maxwell–London problem (periodic and free space).

An operator turns a source a (2, ny, nx) into any *output set* — energy, current, vector
potential and B_z at a height — in one pass (:meth:`BaseOperator.evaluate`): the transforms of
``solver.spectral.pruned`` (open: pruned and blocked, the source's 2-D spectrum one block of
columns at a time; periodic: FFTW's 2-D transforms in place in the output buffers) and one
compiled loop (``solver.spectral._fused``) that reads each block of the source's spectrum once
and writes every requested output spectrum (the energy is a Parseval sum accumulated in the
same loop, no inverse transform). Nothing of full spectrum size
is stored: the multipliers are quarter tables (rows 0 … P/2 of the P-row transform grid; a
multiplier is even or odd in q_y), and a pass holds only the row stages of its fields.

* :class:`PeriodicOperator` — closed-form kernels of ``solver.spectral.kernels`` on the grid's
  wavevectors: scalar tables f(|q|) × the spectral filter (W for the current, U for the vector
  potential, G_z for B_z), the tensor formed in the loop from the wavevectors (Nyquist entries
  zero: odd multipliers have no sign there, so the source's Nyquist mode carries no current).
* :class:`OpenOperator` — Vico–Greengard–Ferrando free-space kernels (``solver.spectral.freespace``)
  on the 2× zero-padded grid: tensor tables q_a q_b W and q_a q_b U, (x, y) tables for B_z.
  Kernel tables are cached on disk (``solver._common.cache``).

Every output is a multiplier times â: with T_f = (ẑ×q)(ẑ×q)ᵀ f (stored as q_a q_b f),
j = −s T_W â, A = −T_U â, B_z = i (G_y â_x − G_x â_y), F = (s/2)(h²/N) Σ w Re(â* · T_W â).
"""
from __future__ import annotations

import threading
from functools import partial

import numpy as np

from .._common import cache, checks
from . import kernels
from ._fused import multiply_block, multiply_rows
from .fft import FFTBackend, _default_threads
from .freespace import KERNEL_FORM, aperiodic_multipliers, domain_taper, precompute_shape
from . import pruned as _pruned
from .pruned import DenseTransform, PrunedTransform
from ..model.grid import Grid

__all__ = ["BaseOperator", "half_spectrum_weights", "OpenOperator", "PeriodicOperator",
           "PRECISIONS"]


PRECISIONS = {"double": np.float64, "single": np.float32}
"""Operator precisions and their real dtypes (spectra are the matching complex dtype)."""


def half_spectrum_weights(nx: int) -> np.ndarray:
    """Parseval weights of an rfft half spectrum along q_x, shape (nx//2 + 1,): 1 on q_x = 0 and
    on the Nyquist column (nx even), 2 elsewhere (the conjugate half counted twice)."""
    w = np.full(nx // 2 + 1, 2.0)
    w[0] = 1.0
    if nx % 2 == 0:
        w[-1] = 1.0
    return w


def _quadrature_bytes(grid: Grid, taper, precompute: tuple[int, int]) -> float:
    """Peak bytes of the radial quadrature of one free-space build
    (``kernels.truncated_transform`` on the wavevectors of the quarter precompute grid below
    ``taper.q_cut``): J0(q r) on blocks of (rows × radial nodes) points, at most
    ``kernels._QUADRATURE_BLOCK`` per block and one block per thread at once (rows = the
    Chebyshev degree + 1, or the distinct |q| if fewer than twice the degree), the node and
    weight vectors, plus the small box of wavevectors (a few MiB)."""
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
    # J0 evaluated in blocks of at most _QUADRATURE_BLOCK points (one per FFT thread at once)
    block = min(rows * nodes, max(kernels._QUADRATURE_BLOCK, nodes))
    return float(8 * block * _default_threads() + 8 * 8 * nodes + 6 * box.nbytes)




_EMPTY_TABLES: dict = {}


def _empty_table(dtype: np.dtype) -> np.ndarray:
    """A (0, 0, 0) table: the compiled pass's 'not needed' (one compiled signature per dtype)."""
    key = np.dtype(dtype)
    if key not in _EMPTY_TABLES:
        _EMPTY_TABLES[key] = np.zeros((0, 0, 0), dtype=key)
    return _EMPTY_TABLES[key]


class BaseOperator:
    """Common part: grid bookkeeping, memory check, thread safety, the one-pass evaluation.

    Subclasses supply the quarter tables (:meth:`_table`), their layout (``scalar_tables``) and
    the wavevectors of the scalar layout (:meth:`_wavevectors`).
    """

    boundary = ""
    padding = 1
    """The transform grid is the operator grid zero-padded ``padding`` times along each axis."""
    scalar_tables = False

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
        self._pruned: PrunedTransform | None = None

    # --- memory ------------------------------------------------------------------------------
    @classmethod
    def table_bytes(cls, grid: Grid, precision: str = "double", heights: int = 1) -> float:
        """Bytes of the quarter tables of the energy, current, vector potential and B_z at
        ``heights`` heights (the operator's resident memory besides small work buffers)."""
        raise NotImplementedError  # pragma: no cover

    @classmethod
    def pass_bytes(cls, grid: Grid, precision: str = "double", outputs: int = 5) -> float:
        """Transient bytes of one pass with ``outputs`` output fields (5: j, A, B_z): the row
        stages (ny × (P_x/2 + 1) complex per field, at least the source's two), the outputs and
        the solution's private float64 copy of the source (2 fields)."""
        s = np.dtype(PRECISIONS[precision]).itemsize
        ny, nx = grid.shape
        cols = cls.padding * nx // 2 + 1
        stages = max(2, outputs) * ny * cols * 2 * s
        return float(stages + outputs * ny * nx * s + 2 * ny * nx * 8)

    @classmethod
    def memory_estimate(cls, grid: Grid, precision: str = "double") -> float:
        """Peak bytes of the operator on ``grid`` and one solve with every output (energy,
        current, vector potential, B_z at one height): the tables and the per-thread block
        buffers (a few MiB per thread; both resident), plus the larger of the largest transient
        of one table's build and one pass, plus 4 MiB of small arrays and objects."""
        work = PrunedTransform.work_bytes(grid.shape, grid.padded(cls.padding).shape,
                                          PRECISIONS[precision].__name__, _default_threads())
        small = 4 * 2**20  # wavevector vectors, weights, plans' bookkeeping, Python objects
        return (cls.table_bytes(grid, precision) + work + small
                + max(cls.build_bytes(grid, precision), cls.pass_bytes(grid, precision)))

    @classmethod
    def build_bytes(cls, grid: Grid, precision: str = "double") -> float:
        """Largest transient bytes of building one table."""
        raise NotImplementedError  # pragma: no cover

    @classmethod
    def shape_spectra_memory(cls, grid: Grid, n: int) -> tuple[float, float]:
        """Bytes of :meth:`shape_spectra` for ``n`` fields on ``grid``: (the complex128 spectra it
        returns, the transient work: the row stages of one batch of fields, at most
        ``pruned.STAGE_BATCH_BYTES``, ny × (P_x/2 + 1) complex per field)."""
        sy, sx = cls.padding * grid.ny, cls.padding * grid.nx
        spectrum = sy * (sx // 2 + 1) * 16
        stage = grid.ny * (sx // 2 + 1) * 16
        batch = max(1, min(n, _pruned.STAGE_BATCH_BYTES // stage))
        return float(n * spectrum), float(batch * stage)

    def _cached(self, key, build):
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = build()
        with self._lock:
            fields = [k for k in self._cache if isinstance(k, tuple) and k[0] == "field"]
            if len(fields) >= 8 and isinstance(key, tuple) and key[0] == "field":
                self._cache.pop(fields[0])
            self._cache.setdefault(key, value)
            return self._cache[key]

    @property
    def pruned(self) -> PrunedTransform:
        """The planned transform set of this operator (built on first use)."""
        with self._lock:
            if self._pruned is None:
                self._pruned = PrunedTransform(self.grid.shape, self.solve_grid.shape,
                                               self.dtype.name, self.fft)
            return self._pruned

    def _table(self, kind: str, height: float = 0.0) -> np.ndarray:  # pragma: no cover
        """The quarter table of ``kind`` ("W", "U" or "G" at ``height``), read-only, in the
        operator's precision, stored transposed: shape (m, P_x//2 + 1, P_y//2 + 1), one spectrum
        column per row (the compiled pass runs along columns)."""
        raise NotImplementedError

    def _wavevectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(q_x per column, q_y per row) for the scalar layout, Nyquist entries zero; zeros of
        the transform grid's lengths for the tensor layout (the compiled pass reads them
        unconditionally, so that every value in its loop has the operator's dtype)."""
        def build():
            sy, sx = self.solve_grid.shape
            return (_frozen(np.zeros(sx // 2 + 1, dtype=self.dtype)),
                    _frozen(np.zeros(sy, dtype=self.dtype)))
        return self._cached("wavevectors", build)

    def _unit(self) -> np.ndarray:
        """The imaginary unit in the spectra's dtype, shape (1,) (see ``_fused.multiply_block``)."""
        return self._cached("unit", lambda: _frozen(np.array([1j], dtype=self.complex_dtype)))

    # --- shape spectra (many sources) -----------------------------------------------------------
    def shape_spectra(self, shapes: np.ndarray) -> np.ndarray:
        """rfft2 of a stack of scalar fields ``(n, ny, nx)`` on the operator grid, zero-padded
        onto the solve grid (open boundary), as complex128 ``(n, sy, sx//2 + 1)``: the pruned
        forward passes of :meth:`pruned` (in double precision whatever the operator's), in
        batches of row stages (see :meth:`shape_spectra_memory`). The input is not modified."""
        shapes = np.asarray(shapes, dtype=float)
        pt = self.pruned if self.dtype == np.float64 else self._cached(
            "pruned64", lambda: PrunedTransform(self.grid.shape, self.solve_grid.shape,
                                                "float64", self.fft))
        with self._lock:
            return pt.spectra(shapes)

    # --- the one-pass evaluation -----------------------------------------------------------------
    def evaluate(self, a: np.ndarray, stiffness: float = 1.0, *, energy: bool = False,
                 current: bool = False, vector_potential: bool = False,
                 heights: tuple[float, ...] = ()) -> dict:
        """Every requested output of the source ``a`` (2, ny, nx) in one pass.

        Parameters
        ----------
        a : ndarray (2, ny, nx)
            The source (read, never modified or kept).
        stiffness : float
            s (scales the current and the energy).
        energy, current, vector_potential : bool
            Which outputs to compute.
        heights : tuple of float
            Heights z >= 0 of B_z (the first in the same pass; each further one costs one more
            forward row pass and column pass).

        Returns
        -------
        dict
            ``"energy"`` (float, F = −½ ∫ j·a), ``"current"`` and ``"vector_potential"`` ((2, ny,
            nx), new aligned arrays), ``"field_z"`` ({z: (ny, nx) array}); only the requested keys.
        """
        heights = tuple(checks.nonnegative("height", z) for z in heights)
        out: dict = {}
        with self._lock:
            first = heights[0] if heights else None
            total = self._pass(a, out, stiffness, energy, current, vector_potential, first)
            for z in heights[1:]:
                self._pass(a, out, stiffness, False, False, False, z)
        if energy:
            out["energy"] = 0.5 * stiffness * self.norm * total
        return out

    def _pass(self, a, out: dict, stiffness: float, energy: bool, current: bool,
              potential: bool, height: float | None) -> float:
        names = (["jx", "jy"] if current else []) + (["Ax", "Ay"] if potential else []) + (
            ["Bz"] if height is not None else [])
        slots = np.full(5, -1, dtype=np.int64)
        for i, name in enumerate(names):
            slots[("jx", "jy", "Ax", "Ay", "Bz").index(name)] = i
        empty = _empty_table(self.dtype)
        tw = self._table("W") if (energy or current) else empty
        tu = self._table("U") if potential else empty
        tg = self._table("G", height) if height is not None else empty
        qx, qy = self._wavevectors()
        scale = -1.0 / self.n_solve  # the unnormalised inverse transforms' 1/N, and the sign
        scales = np.array([stiffness * scale, scale, -scale], dtype=self.dtype)
        weights = self._weights()
        scalar = self.scalar_tables
        pt = self.pruned  # after the tables: their build's transients are gone
        stages = pt.forward_rows(a)
        outputs = stages[:len(names)] + [
            self.fft.empty(stages[0].shape, self.complex_dtype) for _ in range(len(names) - 2)]
        unit = self._unit()
        total = pt.columns(stages, outputs, lambda x, o, j0, m: multiply_block(
            x, o, j0, m, scalar, qx, qy, tw, tu, tg, slots, scales, unit, weights, energy))
        del stages
        self._collect(pt, names, outputs, out, height)
        return total

    def _collect(self, pt: PrunedTransform, names: list, outputs: list, out: dict,
                 height: float | None) -> None:
        """Inverse row passes of the outputs (each row stage freed once transformed)."""
        ny, nx = self.grid.shape
        for i, name in enumerate(names):
            if name in ("jx", "Ax"):
                key = "current" if name == "jx" else "vector_potential"
                out[key] = self.fft.empty((2, ny, nx), self.dtype)
                pt.inverse_rows(outputs[i], out=out[key][0])
            elif name in ("jy", "Ay"):
                pt.inverse_rows(outputs[i], out=out["current" if name == "jy" else
                                                   "vector_potential"][1])
            else:
                out.setdefault("field_z", {})[height] = pt.inverse_rows(outputs[i])
            outputs[i] = None

    def _weights(self) -> np.ndarray:
        return self._cached("weights", lambda: half_spectrum_weights(self.solve_grid.nx))

    # --- convenience: single outputs ---------------------------------------------------------
    def energy(self, a: np.ndarray, stiffness: float) -> float:
        """F = −½ ∫ j·a d²r >= 0 (one forward pass, no inverse transform)."""
        return self.evaluate(a, stiffness, energy=True)["energy"]

    def current(self, a: np.ndarray, stiffness: float) -> np.ndarray:
        """Sheet current j = −s T_W â, shape (2, ny, nx)."""
        return self.evaluate(a, stiffness, current=True)["current"]

    def vector_potential(self, a: np.ndarray) -> np.ndarray:
        """Vector potential A = −T_U â (Coulomb gauge) at z = 0, shape (2, ny, nx)."""
        return self.evaluate(a, vector_potential=True)["vector_potential"]

    def field_z(self, a: np.ndarray, height: float = 0.0) -> np.ndarray:
        """B_z = i (G_y â_x − G_x â_y) at ``height``, shape (ny, nx)."""
        z = checks.nonnegative("height", height)
        return self.evaluate(a, heights=(z,))["field_z"][z]

    def cross_energy(self, a1: np.ndarray, a2: np.ndarray, stiffness: float) -> float:
        """F_12 = −∫ j[1]·a[2] = s (h²/N) Σ w Re(â2* · T_W â1) (one pass over both sources)."""
        pt = self.pruned
        tw = self._table("W")
        qx, qy = self._wavevectors()
        empty = _empty_table(self.dtype)
        slots = np.full(5, -1, dtype=np.int64)
        scales = np.zeros(3, dtype=self.dtype)
        weights = self._weights()
        unit = self._unit()  # not inside the pass: its workers must not take the operator's lock
        scalar = self.scalar_tables
        with self._lock:
            stages = pt.forward_rows(a1) + pt.forward_rows(a2)
            total = pt.columns(stages, [], lambda x, o, j0, m: multiply_block(
                x, o, j0, m, scalar, qx, qy, tw, empty, empty, slots, scales, unit, weights,
                True))
        return stiffness * self.norm * total

    @property
    def current_multiplier(self) -> dict[str, np.ndarray]:
        """Quarter tables of q_a q_b W (read-only views; rows 0 … P_y/2, ``xy`` odd in q_y)."""
        raise NotImplementedError  # pragma: no cover

    def current_tensor_rows(self, component: str, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` of the P_y-row half spectrum of the current tensor component
        ``component`` ("xx", "xy" or "yy": q_a q_b W), float64, unfolded from the quarter table
        by parity in q_y (rows P − k = ± rows k) — the full-size multiplier is never built."""
        p = self.solve_grid.ny
        rows = np.arange(start, stop)
        folded = np.minimum(rows, p - rows)
        sign = np.where(rows <= p - rows, 1.0, -1.0)[:, None]
        t = self._table("W")
        if self.scalar_tables:  # periodic: row-major scalar table
            qx, qy = (v.astype(np.float64) for v in self._wavevectors())
            f = t[0][folded].astype(np.float64)
            qa = {"x": qx[None, :], "y": qy[rows][:, None]}
            return qa[component[0]] * qa[component[1]] * f
        index = ("xx", "xy", "yy").index(component)
        m = t[index][:, folded].T.astype(np.float64)
        return m * sign if component == "xy" else m


def _frozen(x: np.ndarray) -> np.ndarray:
    x.flags.writeable = False
    return x


class PeriodicOperator(BaseOperator):
    """The periodic film with the grid as unit cell (closed-form kernels, scalar tables)."""

    boundary = "periodic"
    padding = 1
    scalar_tables = True

    def __init__(self, grid: Grid, pearl_length: float, fft: FFTBackend,
                 precision: str = "double") -> None:
        super().__init__(grid, pearl_length, fft, grid, precision)
        self._dense: DenseTransform | None = None

    @classmethod
    def build_bytes(cls, grid: Grid, precision: str = "double") -> float:
        # float64 |q|, the filter, the kernel values and one product
        return float(4 * (grid.ny // 2 + 1) * (grid.nx // 2 + 1) * 8)

    def _wavevectors(self) -> tuple[np.ndarray, np.ndarray]:
        def build():
            qx, qy = self.grid.odd_wavevectors()
            return _frozen(qx.astype(self.dtype)), _frozen(qy.astype(self.dtype))
        return self._cached("wavevectors", build)

    def _table(self, kind: str, height: float = 0.0) -> np.ndarray:
        def build():
            grid, r0 = self.grid, self.pearl_length
            qx = grid.qx[None, :]  # row-major: the dense transform set's spectrum layout
            qy = np.abs(grid.qy[:grid.ny // 2 + 1])[:, None]
            q = np.hypot(qy, qx)
            if kind == "W":
                f = kernels.current_kernel(q, r0)
            elif kind == "U":
                f = kernels.vector_potential_kernel(q, r0)
            else:
                f = kernels.field_kernel(q, r0, height)
            f *= kernels.spectral_filter(qx, qy, grid.spacing)
            return _frozen(f.astype(self.dtype)[None])
        return self._cached(("field", height) if kind == "G" else kind, build)

    @property
    def current_multiplier(self) -> dict[str, np.ndarray]:
        """W(|q|) × the spectral filter on the quarter grid (rows 0 … ny/2, shape
        (ny//2 + 1, nx//2 + 1)), read-only: the periodic tensor is q_a q_b W with the
        Nyquist-zeroed wavevectors."""
        return {"W": self._table("W")[0]}

    @classmethod
    def table_bytes(cls, grid: Grid, precision: str = "double", heights: int = 1) -> float:
        """The scalar tables (the dense transforms keep no buffer between passes)."""
        s = np.dtype(PRECISIONS[precision]).itemsize
        return float((2 + heights) * (grid.ny // 2 + 1) * (grid.nx // 2 + 1) * s)

    @property
    def dense(self) -> DenseTransform:
        """The planned unpadded transform set (built on first use)."""
        with self._lock:
            if self._dense is None:
                self._dense = DenseTransform(self.grid.shape, self.dtype.name, self.fft)
            return self._dense

    def _pass(self, a, out: dict, stiffness: float, energy: bool, current: bool,
              potential: bool, height: float | None) -> float:
        """One pass on the dense set: the source's spectra in the outputs' own buffers (or a
        transient pair when fewer than two fields are asked for), one fused loop over blocks of
        rows, each output transformed back in place."""
        empty = _empty_table(self.dtype)
        tw = self._table("W") if (energy or current) else empty
        tu = self._table("U") if potential else empty
        tg = self._table("G", height) if height is not None else empty
        qx, qy = self._wavevectors()
        scale = -1.0 / self.n_solve
        scales = np.array([stiffness * scale, scale, -scale], dtype=self.dtype)
        weights = self._weights()
        dt = self.dense
        groups = {"current": dt.hosted((2,)) if current else None,
                  "vector_potential": dt.hosted((2,)) if potential else None,
                  "field_z": dt.hosted() if height is not None else None}
        source = groups["current"] if current else (
            groups["vector_potential"] if potential else dt.hosted((2,)))
        for c in range(2):
            dt.forward(a[c], source[c])
        nothing = np.zeros((0, 0, 0), dtype=self.complex_dtype)
        x = dt.stage_of(source)
        out_j = x if current else nothing
        out_a = dt.stage_of(groups["vector_potential"]) if potential else nothing
        out_b = (dt.stage_of(groups["field_z"]) if height is not None
                 else np.zeros((0, 0), dtype=self.complex_dtype))
        unit = self._unit()
        total = dt.rows(lambda r0, r1: multiply_rows(x, out_j, out_a, out_b, r0, r1, qx, qy,
                                                     tw, tu, tg, scales, unit, weights, energy))
        del x, out_j, out_a, out_b, source
        for key, buf in groups.items():
            if buf is None:
                continue
            fields = buf if buf.ndim == 3 else buf[None]
            for f in fields:
                dt.inverse_inplace(f)
            view = dt.field_of(buf, self.grid.nx)  # a strided view of the padded rows
            if key == "field_z":
                out.setdefault("field_z", {})[height] = view
            else:
                out[key] = view
        return total

    def cross_energy(self, a1: np.ndarray, a2: np.ndarray, stiffness: float) -> float:
        """F_12 = −∫ j[1]·a[2] = s (h²/N) Σ w Re(â2* · T_W â1) (one pass over both sources)."""
        tw = self._table("W")
        qx, qy = self._wavevectors()
        empty = _empty_table(self.dtype)
        nothing = np.zeros((0, 0, 0), dtype=self.complex_dtype)
        nothing2d = np.zeros((0, 0), dtype=self.complex_dtype)
        weights = self._weights()
        scales = np.zeros(3, dtype=self.dtype)
        unit = self._unit()  # not inside the pass: its workers must not take the operator's lock
        dt = self.dense
        with self._lock:
            buf = dt.hosted((4,))
            for c, field in enumerate((a1[0], a1[1], a2[0], a2[1])):
                dt.forward(field, buf[c])
            x = dt.stage_of(buf)
            total = dt.rows(lambda r0, r1: multiply_rows(
                x, nothing, nothing, nothing2d, r0, r1, qx, qy, tw, empty, empty, scales,
                unit, weights, True))
        return stiffness * self.norm * total


class OpenOperator(BaseOperator):
    """The isolated infinite film (free space): exact for sources inside the grid."""

    boundary = "open"
    padding = 2

    def __init__(self, grid: Grid, pearl_length: float, fft: FFTBackend,
                 precision: str = "double") -> None:
        super().__init__(grid, pearl_length, fft, grid.padded(self.padding), precision)

    @classmethod
    def table_bytes(cls, grid: Grid, precision: str = "double", heights: int = 1) -> float:
        s = np.dtype(PRECISIONS[precision]).itemsize
        return float((6 + 2 * heights) * (grid.ny + 1) * (grid.nx + 1) * s)

    @classmethod
    def build_bytes(cls, grid: Grid, precision: str = "double") -> float:
        """One float64 free-space build (``freespace.aperiodic_multipliers``): the larger of the
        low-q radial quadrature and the table itself (3 output quarters (ny + 1)(nx + 1)) plus
        at most 3 arrays of (nx + 1) × (P_y/2 + 1) for the real-to-real passes (P_y the
        precompute period; the first pass runs in row blocks of ~1 MiB per thread); in single
        precision the cast of the table on top."""
        taper = domain_taper(grid)
        my, mx = precompute_shape(grid, taper)
        out_quarter = (grid.ny + 1) * (grid.nx + 1) * 8
        half = (grid.nx + 1) * (my // 2 + 1) * 8
        table = 3 * out_quarter + 3 * half + 2 * 2**20 * _default_threads()
        if precision == "single":
            table += 3 * out_quarter / 2
        return float(max(_quadrature_bytes(grid, taper, (my, mx)), table))

    def _raw(self, kind: str, height: float = 0.0) -> np.ndarray:
        """Float64 quarter tables, transposed (disk-cached): q_a q_b f for 'W', 'U'; i q_a G_z
        for 'G'; shape (m, nx + 1, ny + 1)."""
        r0 = self.pearl_length
        taper = domain_taper(self.grid)
        digest = cache.key_digest(kind=kind, shape=self.grid.shape, spacing=self.grid.spacing,
                                  pearl_length=r0, height=height, taper=(taper.inner, taper.outer),
                                  precompute=precompute_shape(self.grid, taper), form=KERNEL_FORM,
                                  filter=(kernels.FILTER_STRENGTH, kernels.FILTER_ORDER),
                                  layout="quarter-transposed")
        m = 2 if kind == "G" else 3
        shape = (m, self.grid.nx + 1, self.grid.ny + 1)
        stored = cache.load_arrays("vgf", digest, expect={"table": (shape, np.float64)})
        if stored is not None:
            return stored["table"]
        real, closed = {
            "W": (kernels.current_kernel_real, kernels.current_kernel),
            "U": (kernels.vector_potential_kernel_real, kernels.vector_potential_kernel),
            "G": (kernels.field_kernel_real, kernels.field_kernel),
        }[kind]
        extra = {"height": height} if kind == "G" else {}
        quarter = aperiodic_multipliers(self.grid, partial(real, pearl_length=r0, **extra),
                                        partial(closed, pearl_length=r0, **extra), self.fft,
                                        even=(kind != "G"), taper=taper)
        table = np.ascontiguousarray(quarter.transpose(0, 2, 1))  # one spectrum column per row
        del quarter
        cache.save_arrays("vgf", digest, {"table": table})
        return table

    def _table(self, kind: str, height: float = 0.0) -> np.ndarray:
        def build():
            raw = self._raw(kind, height)
            return _frozen(raw if raw.dtype == self.dtype else raw.astype(self.dtype))
        return self._cached(("field", height) if kind == "G" else kind, build)

    @property
    def current_multiplier(self) -> dict[str, np.ndarray]:
        """Quarter tables of q_a q_b W on the padded grid (rows 0 … ny; ``xy`` odd in q_y),
        read-only views, transposed (shape (nx + 1, ny + 1))."""
        t = self._table("W")
        return {"xx": t[0], "xy": t[1], "yy": t[2]}
