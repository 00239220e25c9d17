"""Random ensembles of point impurities and their ground-state net magnetization.

Impurities are placed uniformly at random (seeded :class:`numpy.random.Generator`) at areal
density n in a disc of radius R or a square box of side L, and their in-plane moment angles are
relaxed with :func:`solver.ground_state.minimize_impurities`. Lengths in one user unit
(positions, r0, sample size), densities in 1/length².
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import xarray as xr

from .._common import checks
from .ground_state import minimize_impurities

__all__ = ["random_positions", "sample_rng", "magnetization_sweep"]


def _check_shape(shape: Any) -> None:
    if shape not in ("disc", "box"):
        raise ValueError(f"shape must be 'disc' or 'box', got {shape!r}")


def random_positions(density: float, size: float, shape: str = "disc",
                     rng: np.random.Generator | int | None = 0) -> np.ndarray:
    """Uniformly random impurity positions (a Poisson-free, fixed-count sample).

    Parameters
    ----------
    density : float
        Areal density n > 0 (1/length²).
    size : float
        Disc radius R or box side L (length).
    shape : {"disc", "box"}
        Sample shape, centred on the origin.
    rng : Generator or int or None
        Random generator or seed.

    Returns
    -------
    ndarray (N, 2) with N = max(2, round(n × area)).
    """
    n = checks.positive("density", density)
    size = checks.positive_length("size", size)
    _check_shape(shape)
    # n × area as (sqrt(n) size)², which neither over- nor underflows in between
    root = math.sqrt(n) * size                  # finite: sqrt(n) <= 1.4e154
    expected = (math.pi if shape == "disc" else 1.0) * root * root
    if not expected < 2.0**62:
        raise ValueError(f"density x area = {expected:.3g} impurities (density = {n:g}, size = {size:g}) "
                         "is beyond any sample; use a smaller density or size")
    checks.memory_fits(f"random_positions: density x area = {expected:.3g} impurities", 48.0 * expected,
                       hint="use a smaller density or size")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    if shape == "disc":
        count = max(2, int(round(expected)))
        r = size * np.sqrt(gen.uniform(0.0, 1.0, count))
        phi = gen.uniform(0.0, 2 * math.pi, count)
        return np.stack([r * np.cos(phi), r * np.sin(phi)], axis=1)
    count = max(2, int(round(expected)))
    return gen.uniform(-0.5 * size, 0.5 * size, (count, 2))


def sample_rng(seed: int, density: float, size: float, sample: int) -> np.random.Generator:
    """The random generator of one sample of :func:`magnetization_sweep`.

    Seeded from ``seed``, the sample index and the exact values (not the list positions) of the
    density and size, so ``random_positions(density, size, shape, sample_rng(seed, density,
    size, sample))`` rebuilds the impurity positions behind any entry of a sweep's dataset from
    its coordinates and ``attrs["seed"]`` alone.
    """
    seed = checks.integer("seed", seed, 0)
    sample = checks.integer("sample", sample, 0)
    bits = np.array([checks.positive("density", density),
                     checks.positive_length("size", size)], dtype=np.float64).view(np.uint64)
    return np.random.default_rng([int(seed), int(sample), int(bits[0]), int(bits[1])])


def _axis(name: str, values: Any, allow_inf: bool = False) -> np.ndarray:
    """A non-empty 1-D array of numbers > 0 (``inf`` allowed if ``allow_inf``)."""
    arr = np.atleast_1d(np.asarray(values, dtype=object))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of numbers > 0, got {values!r}")
    return np.array([checks.positive_length(f"{name}[{i}]", v, allow_inf=allow_inf)
                     for i, v in enumerate(arr)])


def magnetization_sweep(densities: Sequence[float], pearl_lengths: Sequence[float],
                        sizes: Sequence[float], samples: int = 2, shape: str = "disc",
                        seed: int = 0, restarts: int = 2, method: str = "auto",
                        **options: Any) -> xr.Dataset:
    """Ground-state net magnetization vs density × Pearl length × sample size.

    For every (density, pearl_length, size, sample) a fresh random sample (generator
    :func:`sample_rng`, the same positions for every r0 so the EM field is the only change) is
    relaxed from random starting angles (seed ``seed + sample``). Include ``inf`` in
    ``pearl_lengths`` for "without the EM field".

    Parameters
    ----------
    densities : sequence of float
        n (1/length²).
    pearl_lengths : sequence of float
        r0 in (0, inf].
    sizes : sequence of float
        Disc radius / box side (length); report ``size / r0`` from the output coordinates.
    samples : int
        Random samples per point (disorder average).
    shape, seed, restarts, method, options
        See :func:`random_positions`, :func:`solver.ground_state.minimize_impurities`.

    Returns
    -------
    xarray.Dataset
        dims (density, pearl_length, size, sample); variables magnetization (|Σm|/N ∈ [0, 1]),
        energy_per_site (Z/length²), n_sites; derived size_over_r0 (density... coords),
        magnetization_mean / _std over samples; attrs shape, seed, restarts.
    """
    dens = _axis("densities", densities)
    r0s = _axis("pearl_lengths", pearl_lengths, allow_inf=True)
    szs = _axis("sizes", sizes)
    samples = checks.integer("samples", samples, 1)
    seed = checks.integer("seed", seed, 0)
    restarts = checks.integer("restarts", restarts, 1)
    _check_shape(shape)
    shp = (dens.size, r0s.size, szs.size, samples)
    mag = np.full(shp, np.nan)
    ene = np.full(shp, np.nan)
    nsite = np.zeros(shp, dtype=int)
    for a, n in enumerate(dens):
        for c, L in enumerate(szs):
            for s in range(int(samples)):
                pos = random_positions(n, L, shape, sample_rng(seed, n, L, s))
                for b, r0 in enumerate(r0s):
                    ds = minimize_impurities(pos, r0, seed=int(seed) + s, restarts=restarts,
                                             method=method, **options)
                    mag[a, b, c, s] = ds.attrs["magnetization"]
                    ene[a, b, c, s] = ds.attrs["energy_per_site"]
                    nsite[a, b, c, s] = ds.attrs["n_sites"]
    dims = ("density", "pearl_length", "size", "sample")
    out = xr.Dataset(
        {"magnetization": (dims, mag, {"long_name": "|sum m| / N"}),
         "energy_per_site": (dims, ene, {"units": "Z/length^2"}),
         "n_sites": (dims, nsite)},
        coords={"density": dens, "pearl_length": r0s, "size": szs, "sample": np.arange(int(samples))})
    out["size_over_r0"] = out["size"] / out["pearl_length"]
    out["magnetization_mean"] = out["magnetization"].mean("sample")
    out["magnetization_std"] = out["magnetization"].std("sample")
    out.attrs.update(shape=shape, seed=int(seed), restarts=int(restarts), method=method)
    return out
