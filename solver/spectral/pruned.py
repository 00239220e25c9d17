"""Pruned, blocked real 2-D transforms: the solve's whole transform set without full-size work.

A field on an (ny, nx) grid is transformed on a transform grid of (P_y, P_x) cells — the grid
itself (periodic) or the 2× zero-padded grid (open boundary) — as two passes of 1-D transforms:

1. **rows** (forward): each of the ny rows, zero-padded to P_x, is transformed along x (r2c);
   the ny … P_y − 1 rows of the padded grid are zero and are never transformed (pruned). The
   result, the *row stage*, is an (ny, C) complex array per field, C = P_x // 2 + 1.
2. **columns**: for a block of a few spectrum columns at a time, the ny row-stage values,
   zero-padded to P_y, are transformed along y (c2c), multiplied (a callback: the fused
   compiled pass of ``solver.spectral._fused``), transformed back along y, and the first ny
   rows (the only ones kept) are written back into the row stage of the outputs, in the columns
   the block has consumed. The full 2-D spectrum never exists.
3. **rows** (inverse): each output's ny rows are transformed back along x (c2r) and the first
   nx values of each row are the result (the padded half is pruned); its row stage is freed.

Compared with the unpruned set (full 2-D transforms of the padded grid), the open solve skips
half of the forward row transforms and half of the inverse ones, and needs no padded input or
output array: besides the outputs, a solve holds only the row stages (ny × C complex per
output) and per-thread block buffers of a few MiB.

:class:`DenseTransform` is the unpadded (periodic) case, where there is nothing to prune:
FFTW's 2-D transforms run in place in the output buffers and the fused loop runs over blocks of
spectrum rows.

Threads: each of ``threads`` workers owns its block buffers and single-threaded FFTW plans;
blocks are handed out dynamically, and each block's arithmetic is independent of which worker
runs it, so results are bitwise identical for any scheduling (and, with FFTW's deterministic
``estimate`` plans, for any thread count of the same backend). FFTW execution and the compiled
pass release the GIL.
"""
from __future__ import annotations

import itertools
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np
import scipy.fft

from ._fused import gather_columns, scatter_columns
from .fft import (_PLANNERS, HAVE_PYFFTW, PLANNER_LOCK, REAL_DTYPES, FFTBackend, _run_detached,
                  destroy_plans, save_fftw_wisdom)

if HAVE_PYFFTW:
    import pyfftw

__all__ = ["BLOCK_BYTES", "DenseTransform", "PrunedTransform", "ROW_BLOCK_BYTES", "STAGE_BATCH_BYTES"]

BLOCK_BYTES = 1 << 18
"""Target size (bytes) of one field's column block (P_y × block columns, complex): a block of
all inputs and outputs then stays within a few MiB of cache-friendly work per thread."""

ROW_BLOCK_BYTES = 1 << 19
"""Target size (bytes) of one row block (rows × P_x, real)."""

STAGE_BATCH_BYTES = 256 * 2**20
"""Largest row stages held at once by :meth:`PrunedTransform.spectra` (bytes)."""

_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(threads: int) -> ThreadPoolExecutor:
    with _POOLS_LOCK:
        pool = _POOLS.get(threads)
        if pool is None:
            pool = _POOLS[threads] = ThreadPoolExecutor(threads, thread_name_prefix="solver-fft")
    return pool


def _power_of_two_at_most(x: float, lo: int, hi: int) -> int:
    n = 1 << max(0, int(math.floor(math.log2(max(x, 1.0)))))
    return int(min(max(n, lo), max(hi, lo)))


class _Worker:
    """One thread's block buffers and single-threaded plans."""

    def __init__(self, owner: "PrunedTransform") -> None:
        o = owner
        cdt = o.complex_dtype
        self.row_real = o._empty((o.row_block, o.px), o.dtype)  # forward input: tail stays 0
        self.row_back = o._empty((o.row_block, o.px), o.dtype)  # inverse output
        self.row_spec = o._empty((o.row_block, o.cols), cdt)
        # column blocks are stored transposed, one spectrum column per row (contiguous 1-D
        # transforms); entries ny … P_y − 1 of col_in stay zero
        self.col_in = o._empty((o.n_in_max, o.col_block, o.py), cdt)
        self.col_x = o._empty((o.n_in_max, o.col_block, o.py), cdt)
        self.col_out = o._empty((o.n_out_max, o.col_block, o.py), cdt)
        for arr in (self.row_real, self.row_back, self.row_spec, self.col_in, self.col_x,
                    self.col_out):
            arr[...] = 0
        self.plans = []
        if o.backend.name == "pyfftw":
            flags = (_PLANNERS[o.backend.planner],)
            with PLANNER_LOCK:
                r2c = pyfftw.FFTW(self.row_real, self.row_spec, axes=(1,),
                                  direction="FFTW_FORWARD", flags=flags, threads=1)
                c2r = pyfftw.FFTW(self.row_spec, self.row_back, axes=(1,),
                                  direction="FFTW_BACKWARD",
                                  flags=flags + ("FFTW_DESTROY_INPUT",), threads=1)
                col_fwd = {n: pyfftw.FFTW(self.col_in[:n], self.col_x[:n], axes=(2,),
                                          direction="FFTW_FORWARD", flags=flags, threads=1)
                           for n in o.input_counts}
                col_inv = [pyfftw.FFTW(self.col_out[k], self.col_out[k], axes=(1,),
                                       direction="FFTW_BACKWARD",
                                       flags=flags + ("FFTW_DESTROY_INPUT",), threads=1)
                           for k in range(o.n_out_max)]
            self.plans = [r2c, c2r, *col_fwd.values(), *col_inv]
            row_real, row_back, row_spec = self.row_real, self.row_back, self.row_spec

            # a plan runs on other arrays of its exact layout (a full row block of a row stage,
            # of the source or of an output) and is pointed back at the worker's own arrays
            # right after (fft._run_detached): no plan keeps memory it does not own
            def rows_forward(src: np.ndarray | None = None, dst: np.ndarray | None = None):
                _run_detached(r2c, row_real if src is None else src,
                              row_spec if dst is None else dst, row_real, row_spec,
                              preserves_input=True)

            def rows_inverse(src: np.ndarray | None = None, dst: np.ndarray | None = None):
                _run_detached(c2r, row_spec if src is None else src,
                              row_back if dst is None else dst, row_spec, row_back,
                              preserves_input=False, normalise_idft=False)

            self.rows_forward = rows_forward
            self.rows_inverse = rows_inverse
            self.cols_forward = {n: p.execute for n, p in col_fwd.items()}
            self.cols_inverse = [p.execute for p in col_inv]
        else:
            real, back, spec = self.row_real, self.row_back, self.row_spec
            cin, cx, cout = self.col_in, self.col_x, self.col_out
            px = o.px

            def rows_forward(src=None, dst=None) -> None:
                (spec if dst is None else dst)[...] = scipy.fft.rfft(
                    real if src is None else src, axis=1, workers=1)

            def rows_inverse(src=None, dst=None) -> None:
                (back if dst is None else dst)[...] = scipy.fft.irfft(
                    spec if src is None else src, n=px, axis=1, norm="forward", workers=1)

            def cols_forward(n: int) -> Callable[[], None]:
                def run() -> None:
                    cx[:n] = scipy.fft.fft(cin[:n], axis=2, workers=1)
                return run

            def cols_inverse(k: int) -> Callable[[], None]:
                def run() -> None:
                    cout[k] = scipy.fft.ifft(cout[k], axis=1, norm="forward", workers=1)
                return run

            self.rows_forward = rows_forward
            self.rows_inverse = rows_inverse
            self.cols_forward = {n: cols_forward(n) for n in o.input_counts}
            self.cols_inverse = [cols_inverse(k) for k in range(o.n_out_max)]

    def close(self) -> None:
        destroy_plans(self.plans)


class PrunedTransform:
    """The blocked transform set of fields on ``shape`` embedded in ``transform_shape``.

    Parameters
    ----------
    shape : (int, int)
        (ny, nx) of the fields.
    transform_shape : (int, int)
        (P_y, P_x) >= shape: the transform grid (fields occupy its first ny rows and nx columns,
        zeros elsewhere).
    dtype : {"float64", "float32"}
        Real dtype of the fields (spectra: the matching complex dtype).
    backend : FFTBackend
        pyfftw (planned with the backend's planner) or scipy; ``backend.threads`` workers.
    n_in_max, n_out_max : int
        The most input fields (2, or 4 for a cross energy) and output fields of one pass.
    """

    def __init__(self, shape: tuple[int, int], transform_shape: tuple[int, int], dtype: str,
                 backend: FFTBackend, n_in_max: int = 4, n_out_max: int = 5) -> None:
        self.ny, self.nx = (int(n) for n in shape)
        self.py, self.px = (int(n) for n in transform_shape)
        if self.py < self.ny or self.px < self.nx:
            raise ValueError(f"transform_shape {transform_shape} must be >= shape {shape}")
        self.dtype = np.dtype(dtype)
        self.complex_dtype = np.dtype(REAL_DTYPES[self.dtype.name])
        self.backend = backend
        self.cols = self.px // 2 + 1
        self.n_in_max, self.n_out_max = int(n_in_max), int(n_out_max)
        self.input_counts = tuple(sorted({n for n in (1, 2, 4) if n <= self.n_in_max}
                                         | {self.n_in_max}))
        self.threads = backend.threads
        self.row_block, self.col_block = self.block_sizes(shape, transform_shape,
                                                          self.dtype.name)
        self._workers: list[_Worker] = []
        self.lock = threading.RLock()
        with PLANNER_LOCK:
            for _ in range(self.threads):
                self._workers.append(_Worker(self))
        if backend.name == "pyfftw" and backend.planner != "estimate":
            save_fftw_wisdom()

    def __del__(self) -> None:
        for w in getattr(self, "_workers", ()):
            w.close()

    def _empty(self, shape, dtype) -> np.ndarray:
        return self.backend.empty(shape, dtype)

    @staticmethod
    def block_sizes(shape: tuple[int, int], transform_shape: tuple[int, int],
                    dtype: str) -> tuple[int, int]:
        """(rows per row block, columns per column block) for these fields."""
        ny = int(shape[0])
        py, px = (int(n) for n in transform_shape)
        real = np.dtype(dtype)
        cols = px // 2 + 1
        col_block = _power_of_two_at_most(BLOCK_BYTES / (py * 2 * real.itemsize), 2,
                                          _ceil_pow2(cols))
        row_block = _power_of_two_at_most(ROW_BLOCK_BYTES / (px * real.itemsize), 2,
                                          _ceil_pow2(ny))
        return row_block, col_block

    @classmethod
    def work_bytes(cls, shape: tuple[int, int], transform_shape: tuple[int, int], dtype: str,
                   threads: int, n_in_max: int = 4, n_out_max: int = 5) -> int:
        """Bytes of all workers' block buffers (a few MiB per thread)."""
        row_block, col_block = cls.block_sizes(shape, transform_shape, dtype)
        py, px = (int(n) for n in transform_shape)
        real = np.dtype(dtype).itemsize
        per = (row_block * (2 * px * real + (px // 2 + 1) * 2 * real)
               + (2 * n_in_max + n_out_max) * py * col_block * 2 * real)
        return per * int(threads)

    def row_stage_bytes(self) -> int:
        """Bytes of one field's row stage (ny × C complex)."""
        return self.ny * self.cols * self.complex_dtype.itemsize

    # --- scheduling ----------------------------------------------------------------------------
    def _run(self, n_tasks: int, task: Callable[[_Worker, int], None]) -> None:
        """Run ``task(worker, i)`` for i < n_tasks on the workers (dynamic hand-out)."""
        if n_tasks == 0:
            return
        if self.threads == 1 or n_tasks == 1:
            w = self._workers[0]
            for i in range(n_tasks):
                task(w, i)
            return
        counter = itertools.count()
        lock = threading.Lock()

        def loop(w: _Worker) -> None:
            while True:
                with lock:
                    i = next(counter)
                if i >= n_tasks:
                    return
                task(w, i)

        futures = [_pool(self.threads).submit(loop, w)
                   for w in self._workers[:min(self.threads, n_tasks)]]
        errors = [f.exception() for f in futures]
        for e in errors:
            if e is not None:
                raise e

    # --- the three passes ----------------------------------------------------------------------
    def forward_rows(self, fields: np.ndarray,
                     stages: list[np.ndarray] | None = None) -> list[np.ndarray]:
        """Row stage of each field of ``fields`` (n, ny, nx): into ``stages`` ((ny, C) complex
        arrays) or new arrays; returns them."""
        n = fields.shape[0]
        if stages is None:
            stages = [self._empty((self.ny, self.cols), self.complex_dtype) for _ in range(n)]
        nb = -(-self.ny // self.row_block)
        nx = self.nx

        def task(w: _Worker, i: int) -> None:
            c, b = divmod(i, nb)
            r0 = b * self.row_block
            r1 = min(self.ny, r0 + self.row_block)
            m = r1 - r0
            dst = stages[c][r0:r1]
            src = fields[c, r0:r1]
            full = m == self.row_block
            direct_out = full and _same_layout(dst, w.row_spec)
            if full and self.px == nx and _same_layout(src, w.row_real):
                source = src  # straight from the field (no padding: periodic)
            else:
                w.row_real[:m, :nx] = src
                if not full:
                    w.row_real[m:, :nx] = 0
                source = None
            w.rows_forward(source, dst if direct_out else None)
            if not direct_out:
                dst[...] = w.row_spec[:m]

        self._run(n * nb, task)
        return stages

    def columns(self, inputs: list[np.ndarray], outputs: list[np.ndarray | None],
                multiply: Callable[[np.ndarray, np.ndarray, int, int], float]) -> float:
        """The column pass: for every block, y-transform the ``inputs``' row stages, call
        ``multiply(x, out, j0, ncols) -> float`` (x: (n_in, bx, P_y) spectra — one spectrum column
        per row —, out: (n_out, bx, P_y) to fill), y-transform ``out`` back and store its first ny rows into ``outputs``
        (row stages; may be the inputs' arrays: a block's columns are read before they are
        written). Returns the sum of the blocks' return values, added in block order."""
        n_in, n_out = len(inputs), len(outputs)
        if n_in not in self.input_counts or n_out > self.n_out_max:
            raise ValueError(f"a pass takes {self.input_counts} inputs and at most "
                             f"{self.n_out_max} outputs, got {n_in} and {n_out}")
        bx = self.col_block
        nb = -(-self.cols // bx)
        partial = np.zeros(nb)
        ny = self.ny

        def task(w: _Worker, b: int) -> None:
            j0 = b * bx
            j1 = min(self.cols, j0 + bx)
            m = j1 - j0
            for c in range(n_in):  # entries ny … P_y − 1 of col_in stay zero
                gather_columns(inputs[c], w.col_in[c], j0, m)
            w.cols_forward[n_in]()
            partial[b] = multiply(w.col_x[:n_in], w.col_out, j0, m)
            for k in range(n_out):
                if outputs[k] is None:
                    continue
                w.cols_inverse[k]()
                scatter_columns(w.col_out[k], outputs[k], j0, m)

        self._run(nb, task)
        return float(sum(partial.tolist()))

    def spectra(self, fields: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Full 2-D half spectra of ``fields`` (n, ny, nx) zero-padded onto the transform grid,
        complex (n, P_y, C), by the pruned forward passes (zero rows never transformed). Fields
        are transformed in batches whose row stages take at most ``STAGE_BATCH_BYTES``."""
        n = fields.shape[0]
        if out is None:
            out = np.empty((n, self.py, self.cols), dtype=self.complex_dtype)
        batch = max(1, min(n, STAGE_BATCH_BYTES // self.row_stage_bytes()))
        bx = self.col_block
        nb = -(-self.cols // bx)
        for start in range(0, n, batch):
            stop = min(n, start + batch)
            stages = self.forward_rows(fields[start:stop])

            def task(w: _Worker, b: int) -> None:
                j0 = b * bx
                m = min(self.cols, j0 + bx) - j0
                for c, stage in enumerate(stages):
                    gather_columns(stage, w.col_in[0], j0, m)
                    w.cols_forward[1]()
                    scatter_columns(w.col_x[0], out[start + c], j0, m)

            self._run(nb, task)
            del stages
        return out

    def inverse_rows(self, stage: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The field of a row stage: x-transform back (unnormalised) and keep the first nx values
        of each row; ``stage`` is destroyed. Written into ``out`` (ny, nx) if given, else into a
        new aligned array; returns it."""
        if out is None:
            out = self._empty((self.ny, self.nx), self.dtype)
        nb = -(-self.ny // self.row_block)
        nx = self.nx

        def task(w: _Worker, b: int) -> None:
            r0 = b * self.row_block
            r1 = min(self.ny, r0 + self.row_block)
            src = stage[r0:r1]
            dst = out[r0:r1]
            if r1 - r0 == self.row_block and _same_layout(src, w.row_spec):
                if self.px == nx and _same_layout(dst, w.row_back):
                    w.rows_inverse(src, dst)  # straight from the row stage into the output
                    return
                w.rows_inverse(src, None)
            else:
                w.row_spec[:r1 - r0] = src
                w.rows_inverse()
            dst[...] = w.row_back[:r1 - r0, :nx]

        self._run(nb, task)
        return out


def _same_layout(x: np.ndarray, like: np.ndarray) -> bool:
    """True when a plan made for ``like`` can run on ``x`` (dtype, shape, strides, alignment)."""
    if x.dtype != like.dtype or x.shape != like.shape or x.strides != like.strides:
        return False
    return not HAVE_PYFFTW or pyfftw.is_byte_aligned(x, pyfftw.simd_alignment)


def _ceil_pow2(n: int) -> int:
    return 1 << max(0, (int(n) - 1).bit_length())


class DenseTransform:
    """The unpadded transform set (periodic boundary): nothing to prune, so FFTW's own 2-D real
    transforms run in place, in buffers that become the outputs (:meth:`hosted`: each output
    holds its own spectrum), and the fused loop (``_fused.multiply_rows``) runs over blocks of
    spectrum rows on ``threads`` workers (FFTW uses ``threads`` threads itself).

    Resident memory: none. The two transforms are measured once, on a temporary buffer, and
    each run plans them from that wisdom on the very buffers it transforms (well under a
    millisecond; planning from wisdom never touches the arrays). Results are bitwise
    reproducible for a fixed thread count.
    """

    def __init__(self, shape: tuple[int, int], dtype: str, backend: FFTBackend) -> None:
        self.ny, self.nx = (int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.complex_dtype = np.dtype(REAL_DTYPES[self.dtype.name])
        self.backend = backend
        self.threads = backend.threads
        self.cols = self.nx // 2 + 1
        row = self.cols * self.complex_dtype.itemsize
        self.row_block = max(1, min(self.ny, BLOCK_BYTES // row))
        self.lock = threading.RLock()
        if backend.name == "pyfftw" and backend.planner != "estimate":
            self._learn()
            save_fftw_wisdom()

    def hosted(self, lead: tuple[int, ...] = ()) -> np.ndarray:
        """A new aligned real buffer ``lead + (ny, 2C)``: :meth:`stage_of` is its spectrum
        (complex (ny, C)) and :meth:`field_of` the field (ny, nx) it becomes after
        :meth:`inverse_inplace` — the layout of FFTW's in-place real transforms."""
        return self.backend.empty(tuple(lead) + (self.ny, 2 * self.cols), self.dtype)

    def stage_of(self, buffer: np.ndarray) -> np.ndarray:
        """The complex spectrum view (…, ny, C) of a :meth:`hosted` buffer."""
        return buffer.view(self.complex_dtype)

    @staticmethod
    def field_of(buffer: np.ndarray, nx: int) -> np.ndarray:
        """The first ``nx`` reals of each row of a :meth:`hosted` buffer (a strided view)."""
        return buffer[..., :nx]

    def _make_plan(self, index: int, src: np.ndarray, dst: np.ndarray, wisdom_only: bool):
        """The pyfftw plan of transform ``index`` (0: r2c, 1: c2r) from ``src`` to ``dst`` (call
        under ``PLANNER_LOCK``)."""
        flags = (_PLANNERS[self.backend.planner],) + (("FFTW_DESTROY_INPUT",) if index else ())
        if wisdom_only:
            flags += ("FFTW_WISDOM_ONLY",)
        return pyfftw.FFTW(src, dst, axes=(0, 1),
                           direction="FFTW_BACKWARD" if index else "FFTW_FORWARD",
                           flags=flags, threads=self.threads)

    def _learn(self) -> None:
        """Measure both transforms on a temporary hosted buffer (freed again): FFTW's wisdom then
        holds their plans, and every later plan of this layout comes from it, made directly on
        the buffers a pass uses."""
        scratch = self.hosted()
        scratch[...] = 0
        field, stage = self.field_of(scratch, self.nx), self.stage_of(scratch)
        with PLANNER_LOCK:
            plans = [self._make_plan(0, field, stage, False),
                     self._make_plan(1, stage, field, False)]
            destroy_plans(plans)

    def _run_plan(self, index: int, src: np.ndarray, dst: np.ndarray) -> None:
        """Transform 0 (r2c) or 1 (c2r, unnormalised) planned on ``src``/``dst`` themselves and run
        once. Planning from wisdom (``FFTW_WISDOM_ONLY``; FFTW_ESTIMATE for the estimate planner)
        takes well under a millisecond and never touches the arrays, so no plan buffer is
        resident and no plan outlives the call (it would keep the arrays alive)."""
        wisdom_only = self.backend.planner != "estimate"
        with PLANNER_LOCK:
            try:
                plan = self._make_plan(index, src, dst, wisdom_only)
            except RuntimeError:  # the wisdom was forgotten since (pyfftw.forget_wisdom)
                self._learn()
                plan = self._make_plan(index, src, dst, wisdom_only)
        plans = [plan]
        try:
            plan.execute()
        finally:
            destroy_plans(plans)

    def forward(self, field: np.ndarray, buffer: np.ndarray) -> None:
        """The spectrum of ``field`` (ny, nx) into the (ny, 2C) ``buffer`` (copy, in-place r2c)."""
        if self.backend.name == "pyfftw":
            self.field_of(buffer, self.nx)[...] = field
            self._run_plan(0, self.field_of(buffer, self.nx), self.stage_of(buffer))
        else:
            self.stage_of(buffer)[...] = scipy.fft.rfft2(field, workers=self.threads)

    def inverse_inplace(self, buffer: np.ndarray) -> np.ndarray:
        """The (unnormalised) field of a (ny, 2C) buffer's spectrum, in place; returns the
        field view (ny, nx)."""
        field = self.field_of(buffer, self.nx)
        if self.backend.name == "pyfftw":
            self._run_plan(1, self.stage_of(buffer), field)
        else:
            field[...] = scipy.fft.irfft2(self.stage_of(buffer), s=(self.ny, self.nx),
                                          norm="forward", workers=self.threads)
        return field

    def rows(self, multiply: Callable[[int, int], float]) -> float:
        """``multiply(r0, r1) -> float`` over blocks of spectrum rows on the worker threads;
        the blocks' values added in block order."""
        nb = -(-self.ny // self.row_block)
        partial = np.zeros(nb)

        def block(b: int) -> None:
            r0 = b * self.row_block
            partial[b] = multiply(r0, min(self.ny, r0 + self.row_block))

        if self.threads == 1 or nb == 1:
            for b in range(nb):
                block(b)
        else:
            counter = itertools.count()
            lock = threading.Lock()

            def loop() -> None:
                while True:
                    with lock:
                        b = next(counter)
                    if b >= nb:
                        return
                    block(b)

            futures = [_pool(self.threads).submit(loop) for _ in range(min(self.threads, nb))]
            for f in futures:
                e = f.exception()
                if e is not None:
                    raise e
        return float(sum(partial.tolist()))
