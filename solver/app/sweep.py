"""Labelled parameter sweeps: one :class:`xarray.Dataset` with the sweep axes as dimensions.

``sweep(func, {"separation": [...], "pearl_length": [...]})`` calls ``func(separation=...,
pearl_length=...)`` on every point of the outer product of the axes and stacks what it returns
(a dict of scalars/arrays, an ``xarray.Dataset`` or ``DataArray``) into one Dataset whose
leading dimensions are the axes, in the order given. Instead of a function, a *solve spec* — a
:class:`solver.config.RunConfig` or a configuration dict (see :mod:`solver.config`) — sweeps
dotted configuration keys (``film.pearl_length``, ``grid.spacing``, ``islands.1.center`` …, or
``separation``) and records, per point, the total, self and pair energies, the 2×2 coupling
tensors and the effective couplings J⊥, J∥ of every island pair next to the point-dipole values.

Execution
---------
* serial (default), or on Dask when ``client`` is a ``dask.distributed.Client`` or a scheduler
  address (a Client is then opened and closed here);
* points that share an operator (grid, Pearl length, boundary) run back to back in one task, so
  the per-process operator cache (:func:`solver.get_operator`: kernels + FFT plans) is built
  once per group and process. For a spec the key is read from each point's configuration; for a
  function it is the values of the ``group_by`` axes (default: the axes named ``pearl_length``,
  ``r0``, ``spacing``, ``cells``, ``shape``, ``grid`` or ``boundary``, also as the last part of a
  dotted name). Groups are split into as many tasks as needed to keep every worker busy;
* threads: on Dask each worker process uses ``threads`` FFT (and OpenBLAS) threads (default
  ``cores // (threads of all workers on that host)``, at least 1), set through
  ``SOLVER_FFT_THREADS``, the process-wide default backend and OpenBLAS's own setter, so
  workers × threads never oversubscribe the cores; serially, ``threads=`` (if given) applies
  for the sweep's duration;
* a tqdm progress bar counts finished points in both modes.

Results do not depend on the mode: the same points run the same code. They are bit-identical when
both modes use the same thread counts (e.g. ``threads=1`` serially and single-threaded workers):
the open-boundary kernels use a BLAS matrix-vector product whose summation order depends on the
number of OpenBLAS threads (differences ~1e-16 relative otherwise).
"""
from __future__ import annotations

import json
import math
import os
from functools import partial
from itertools import product
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .threads import fft_threads_for, set_blas_threads, set_fft_threads, usable_cores
from .threads import restore_blas as _restore_blas
from .threads import restore_fft as _restore_fft

__all__ = ["fft_threads_for", "OPERATOR_AXES", "set_blas_threads", "set_fft_threads",
           "spec_point", "sweep", "SweepPointError", "usable_cores"]

OPERATOR_AXES = ("pearl_length", "r0", "spacing", "cells", "shape", "grid", "boundary")


class SweepPointError(RuntimeError):
    """A sweep point failed; the message names the point."""


# --- per-point work ------------------------------------------------------------------------------
def _as_dataset(result: Any):
    import xarray as xr

    if isinstance(result, xr.Dataset):
        return result
    if isinstance(result, xr.DataArray):
        return result.to_dataset(name=result.name or "value")
    if isinstance(result, Mapping):
        data = {}
        for k, v in result.items():
            if isinstance(v, (xr.DataArray, tuple)):
                data[k] = v
            else:
                arr = np.asarray(v)
                data[k] = ([f"{k}_dim_{i}" for i in range(arr.ndim)], arr)
        return xr.Dataset(data)
    if np.ndim(result) == 0 and isinstance(result, (int, float, complex, np.number)):
        return xr.Dataset({"value": ((), result)})
    raise TypeError(f"a sweep function must return a dict, an xarray Dataset/DataArray or a number, "
                    f"got {type(result).__name__}")


def _run_chunk(runner: Callable, chunk: list, fft_threads: int | None) -> list:
    """Run ``runner(**point)`` for each ``(index, point)`` of ``chunk`` (in a worker or here)."""
    if fft_threads:
        set_fft_threads(fft_threads)
        set_blas_threads(fft_threads)
    out = []
    for idx, point in chunk:
        try:
            out.append((idx, _as_dataset(runner(**point))))
        except Exception as exc:
            raise SweepPointError(f"sweep point {point!r} failed: {type(exc).__name__}: {exc}") from exc
    return out


_BACKENDS: dict = {}


def _backend(name: str | None, threads: int | None):
    """One FFTBackend per (name, threads) and process, so cached operators are reused."""
    if name is None and threads is None:
        return None
    key = (name, threads)
    if key not in _BACKENDS:
        from ..spectral.fft import FFTBackend

        _BACKENDS[key] = FFTBackend(name=name, threads=threads)
    return _BACKENDS[key]


def spec_point(raw: Mapping[str, Any], **overrides: Any):
    """Energies and couplings of one configuration with dotted-key ``overrides`` applied.

    Returns
    -------
    xarray.Dataset
        ``energy`` (total), ``self_energy(island)``, ``pair_energy(island, island2)``,
        ``coupling_tensor(island, island2, alpha, beta)`` (C_ij: F_ij = μ_i·C_ij·μ_j),
        ``distance(pair)``, ``J_perp(pair)``, ``J_par(pair)`` and the point-dipole
        ``J_perp_dipole(pair)``, ``J_par_dipole(pair)`` (keldysh, same Z = s g²/2π).
    """
    import xarray as xr

    from .config import apply_overrides, parse_config
    from .pairs import pair_couplings
    from ..io.dataset import unit_power
    from ..spectral.interactions import interaction_energies

    cfg = parse_config(apply_overrides(raw, overrides))
    ie = interaction_energies(cfg.islands, cfg.grid, cfg.film, boundary=cfg.boundary,
                              coupling=cfg.coupling, fft=_backend(cfg.fft_backend, cfg.fft_threads))
    n = len(cfg.islands)
    rows = pair_couplings(cfg, ie)
    pairs = [(row.i, row.j) for row in rows]
    Z = cfg.film.dipole_constant(cfg.coupling)
    dist = [row.distance for row in rows]
    jp, jl = [row.j_perp for row in rows], [row.j_par for row in rows]
    dp, dl = [row.dipole_perp for row in rows], [row.dipole_par for row in rows]
    u = cfg.length_unit
    E = unit_power(u, -2)
    Jd = unit_power(u, -2)
    isl = np.arange(n)
    ds = xr.Dataset(
        {
            "energy": ((), ie.total, {"units": E, "long_name": "total energy F = -1/2 integral j.a"}),
            "self_energy": (("island",), ie.self_energies, {"units": E, "long_name": "self energy F_ii"}),
            "pair_energy": (("island", "island2"), ie.pair_energies,
                            {"units": E, "long_name": "pair energy F_ij = mu_i.C_ij.mu_j"}),
            "coupling_tensor": (("island", "island2", "alpha", "beta"), ie.tensors,
                                {"units": E, "long_name": "coupling tensor C_ij per unit moments"}),
            "distance": (("pair",), np.asarray(dist, float),
                         {"units": unit_power(u, 1), "long_name": "centre-to-centre distance"}),
            "J_perp": (("pair",), np.asarray(jp, float),
                       {"units": Jd, "long_name": "effective coupling J_perp of the islands"}),
            "J_par": (("pair",), np.asarray(jl, float),
                      {"units": Jd, "long_name": "effective coupling J_par of the islands"}),
            "J_perp_dipole": (("pair",), np.asarray(dp, float),
                              {"units": Jd, "long_name": "point-dipole J_perp (Keldysh potential)"}),
            "J_par_dipole": (("pair",), np.asarray(dl, float),
                             {"units": Jd, "long_name": "point-dipole J_par (Keldysh potential)"}),
        },
        coords={"island": ("island", isl), "island2": ("island2", isl),
                "alpha": ("alpha", np.array(["x", "y"])), "beta": ("beta", np.array(["x", "y"])),
                "pair": ("pair", np.arange(len(pairs))),
                "pair_i": ("pair", np.array([p[0] for p in pairs], dtype=np.int64)),
                "pair_j": ("pair", np.array([p[1] for p in pairs], dtype=np.int64))},
        attrs={"length_unit": u, "boundary": cfg.boundary, "pearl_length": cfg.film.pearl_length,
               "stiffness": cfg.film.stiffness, "coupling": cfg.coupling, "dipole_constant": Z,
               "grid_spacing": cfg.grid.spacing,
               "grid_shape": np.asarray(cfg.grid.shape, dtype=np.int64)},
    )
    return ds


# --- grouping and chunking -----------------------------------------------------------------------
def _default_group_by(names: Sequence[str]) -> list[str]:
    return [n for n in names if n.split(".")[-1] in OPERATOR_AXES]


def _key(value: Any) -> Any:
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


def _chunks(points: list[dict], keys: list, n_tasks: int) -> list[list]:
    groups: dict = {}
    for idx, (point, key) in enumerate(zip(points, keys)):
        groups.setdefault(key, []).append((idx, point))
    split = max(1, math.ceil(n_tasks / max(1, len(groups))))
    chunks = []
    for members in groups.values():
        k = min(split, len(members))
        size = math.ceil(len(members) / k)
        chunks.extend(members[s:s + size] for s in range(0, len(members), size))
    return chunks


# --- combination --------------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    try:
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return np.array_equal(np.asarray(a), np.asarray(b))
        return bool(a == b) or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))
    except Exception:
        return False


def _axis_coord(name: str, values: list):
    arr = np.asarray(values)
    if arr.ndim == 1 and arr.dtype.kind in "iufbU":
        return {name: (name, arr)}
    texts = [json.dumps(np.asarray(v).tolist()) for v in values]
    return {name: (name, np.arange(len(values))), f"{name}_value": (name, np.array(texts))}


def _combine(results: list, axes: dict[str, list]):
    import xarray as xr

    names = list(axes)
    shape = tuple(len(v) for v in axes.values())
    first = results[0]
    for n in names:
        if n in first.dims:
            raise ValueError(f"sweep axis {n!r} is also a dimension of the point results; rename one")
    data_vars = {}
    for name, var in first.data_vars.items():
        arrays = []
        for k, r in enumerate(results):
            if name not in r.data_vars or r[name].dims != var.dims or r[name].shape != var.shape:
                raise ValueError(f"sweep point {k} returned {name!r} with another shape or dims than point 0")
            arrays.append(np.asarray(r[name].values))
        stacked = np.stack(arrays).reshape(shape + var.shape)
        data_vars[name] = (tuple(names) + var.dims, stacked, dict(var.attrs))
    coords = {}
    for name, c in first.coords.items():
        for k, r in enumerate(results[1:], start=1):
            if name not in r.coords or not np.array_equal(np.asarray(r[name]), np.asarray(c)):
                raise ValueError(f"coordinate {name!r} differs between sweep points 0 and {k}: an axis "
                                 "that changes the grid cannot be stacked with gridded outputs")
        coords[name] = (c.dims, np.asarray(c.values), dict(c.attrs))
    for n in names:
        coords.update(_axis_coord(n, axes[n]))
    attrs = {k: v for k, v in first.attrs.items()
             if all(k in r.attrs and _same(r.attrs[k], v) for r in results[1:])}
    attrs["sweep_axes"] = json.dumps(names)
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


# --- the public entry point ----------------------------------------------------------------------
def sweep(func: Callable[..., Any] | Any, axes: Mapping[str, Sequence[Any]], *, client: Any = None,
          fixed: Mapping[str, Any] | None = None, group_by: Sequence[str] | None = None,
          threads: int | None = None, progress: bool = True, tasks_per_worker: int = 2):
    """Evaluate ``func`` over the outer product of ``axes`` and return one Dataset.

    Parameters
    ----------
    func : callable or RunConfig or dict
        ``func(**point, **fixed)`` returning a dict of scalars/arrays (arrays get dims
        ``<name>_dim_<k>``; use ``(dims, array)`` tuples or DataArrays to name them), an
        ``xarray.Dataset`` or ``DataArray``, or a number. A RunConfig / configuration dict is a
        solve spec: axes are dotted configuration keys or ``separation`` (see
        :func:`spec_point` for what is recorded).
    axes : mapping of str to sequence
        Axis name -> values (1-D). Dimension order of the result follows this order.
    client : dask.distributed.Client, str or cluster, optional
        Run on Dask (a str is a scheduler address, e.g. ``LocalCluster().scheduler_address``;
        a cluster object is connected to). None: serially in this process.
    fixed : mapping, optional
        Extra keyword arguments passed to every call of a function.
    group_by : sequence of str, optional
        Axes whose values determine the operator (grid, Pearl length, boundary) for a function
        sweep; points with equal values run in the same task. Default: see the module docstring.
    threads : int, optional
        FFT and OpenBLAS threads per process (Dask default: cores per host // worker threads on
        the host; serial default: unchanged). ``threads=1`` serially reproduces single-threaded
        Dask workers bit for bit.
    progress : bool
        Show a tqdm progress bar (stderr).
    tasks_per_worker : int
        On Dask, split groups so that there are at least this many tasks per worker thread.

    Returns
    -------
    xarray.Dataset
        Dimensions: the axes, then the dimensions of each point's result. Attributes that are
        equal at all points are kept; ``sweep_axes`` lists the axes.

    Raises
    ------
    ValueError
        Bad axes (empty, not 1-D, duplicate names), ``threads`` outside [1, 1024],
        ``tasks_per_worker`` < 1, or point results that cannot be stacked.
    SweepPointError
        A point raised; the message names the point.
    """
    from .._common import checks
    from .config import MAX_PARALLEL
    from .._common.progress import bar as progress_bar

    if threads is not None:
        threads = checks.integer("threads", threads, 1, MAX_PARALLEL)
    tasks_per_worker = checks.integer("tasks_per_worker", tasks_per_worker, 1)
    if not isinstance(axes, Mapping) or not axes:
        raise ValueError("axes must be a non-empty mapping of axis name -> sequence of values")
    axes = {str(k): list(v) for k, v in axes.items()}
    for name, values in axes.items():
        if not values:
            raise ValueError(f"sweep axis {name!r} has no values")
    fixed = dict(fixed or {})
    names = list(axes)
    points = [dict(zip(names, combo)) for combo in product(*axes.values())]

    if callable(func) and not isinstance(func, Mapping):
        runner = partial(func, **fixed) if fixed else func
        gb = _default_group_by(names) if group_by is None else list(group_by)
        unknown = [g for g in gb if g not in axes]
        if unknown:
            raise ValueError(f"group_by names {unknown} are not sweep axes {names}")
        keys = [tuple(_key(p[g]) for g in gb) for p in points]
    else:
        from .config import ConfigError, RunConfig, apply_overrides, parse_config

        raw = func.raw if isinstance(func, RunConfig) else parse_config(func).raw
        runner = partial(spec_point, raw)
        keys = []
        for p in points:
            try:
                keys.append(parse_config(apply_overrides(raw, p)).operator_key())
            except ConfigError as exc:
                raise ConfigError(f"sweep point {p!r}: {exc}") from None

    own_client = False
    if isinstance(client, str) or (client is not None and not hasattr(client, "submit")
                                   and hasattr(client, "scheduler_address")):
        from dask.distributed import Client  # an address or a cluster object

        client, own_client = Client(client), True
    bar = progress_bar(len(points), "sweep", progress)
    try:
        if client is None:
            results = _serial(runner, _chunks(points, keys, 1), threads, bar)
        else:
            results = _on_dask(client, runner, points, keys, threads, bar, tasks_per_worker)
    finally:
        bar.close()
        if own_client:
            client.close()
    results.sort(key=lambda t: t[0])
    return _combine([r for _, r in results], axes)


def _serial(runner, chunks, threads, bar) -> list:
    prev, env, blas = None, os.environ.get("SOLVER_FFT_THREADS"), []
    if threads:
        prev = set_fft_threads(threads)
        blas = set_blas_threads(threads)
    try:
        out = []
        for chunk in chunks:
            for item in chunk:
                out.extend(_run_chunk(runner, [item], None))
                bar.update(1)
        return out
    finally:
        if threads:
            _restore_fft(prev, env)
            _restore_blas(blas)


def _on_dask(client, runner, points, keys, threads, bar, tasks_per_worker) -> list:
    from dask.distributed import as_completed

    nthreads = sum(client.nthreads().values()) or 1
    fft_threads = int(threads) if threads else fft_threads_for(client)
    chunks = _chunks(points, keys, max(1, tasks_per_worker) * nthreads)
    futures = {client.submit(_run_chunk, runner, chunk, fft_threads, pure=False): len(chunk)
               for chunk in chunks}
    out = []
    try:
        for fut in as_completed(list(futures)):
            out.extend(fut.result())
            bar.update(futures[fut])
    except BaseException:
        client.cancel(list(futures))
        raise
    return out
