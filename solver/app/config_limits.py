"""Limits a configuration is checked against before anything is built: memory, grid spacing,
energy scale (each raises a one-line :class:`ConfigError` naming the key)."""
from __future__ import annotations

import math

from ..model.grid import Grid
from .config_values import ConfigError
from .config_values import fail as _fail

__all__ = ["ENERGY_SCALE_RANGE", "SPACING_RANGE", "check_energy_scale", "check_memory",
           "check_spacing"]


def _check_memory(shape: list[int], grid: Grid | None, boundary: str) -> None:
    """Raise :class:`ConfigError` (key ``grid``) if a solve on ``grid`` cannot fit in memory.

    With ``grid`` None only the exact lower bound (the exchange map: two float64 fields of
    ``shape``, computed with Python integers, so astronomically large shapes cannot overflow)
    is checked: this runs before the :class:`~solver.grid.Grid` is built.
    """
    from .._common import checks

    ny, nx = shape
    what = f"a {ny} x {nx} grid ({boundary} boundary)"
    hint = "use fewer cells (grid.cells or grid.shape)"
    lower = 16 * ny * nx
    if grid is None or lower > checks.available_memory_bytes():
        estimate = math.inf if lower > 2.0 ** 1000 else float(lower)
    else:
        from ..spectral.operators import OpenOperator, PeriodicOperator
        from ..model.sources import exchange_map_bytes

        op = OpenOperator if boundary == "open" else PeriodicOperator
        # the operator with one solve and all its outputs (double precision), after the map is built
        try:
            estimate = op.memory_estimate(grid) + exchange_map_bytes(grid)
        except OverflowError:
            estimate = math.inf
    try:
        checks.memory_fits(what, estimate, hint=hint)
    except ValueError as exc:
        raise ConfigError(f"grid: {exc}") from None


SPACING_RANGE = (1e-150, 1e150)
"""Allowed ``grid.spacing`` (in ``length_unit``): the cell area h², the wavevectors 2π/h and
their squares stay normal floats with room for the grid's dimensionless factors."""

ENERGY_SCALE_RANGE = (1e-280, 1e280)
"""Allowed energy scale stiffness x (coupling x |moment|)² / spacing² of each island: energies
and couplings are this times dimensionless factors of the geometry, and must neither overflow
to inf nor underflow to 0 (20 decades of room for those factors)."""


def _check_spacing(shape: list[int], spacing: float) -> None:
    """Raise :class:`ConfigError` unless ``spacing`` lies in :data:`SPACING_RANGE` and the grid
    extent ``max(shape) * spacing`` (twice it: the padded grid and the diagonal) is finite."""
    lo, hi = SPACING_RANGE
    n = max(shape)
    if n > 2 ** 1000:  # astronomically many cells: refused by the memory check or by Grid
        return
    if not lo <= spacing <= hi or not math.isfinite(2.0 * n * spacing):
        raise _fail("grid.spacing", f"a number in [{lo:g}, {hi:g}] (lengths in length_unit)", spacing)


def _check_energy_scale(raw: dict) -> None:
    """Raise :class:`ConfigError` if the energy scale of an island (see
    :data:`ENERGY_SCALE_RANGE`) lies outside the range, naming the key that contributes most.
    Zero couplings and moments are fine (their energies are exactly zero)."""
    g, s, h = raw["coupling"], raw["film"]["stiffness"], raw["grid"]["spacing"]
    lo, hi = (math.log10(v) for v in ENERGY_SCALE_RANGE)
    if g == 0:
        return
    for k, isl in enumerate(raw["islands"]):
        m = math.hypot(*isl["moment"])
        if m == 0:
            continue
        parts = {"coupling": 2 * math.log10(abs(g)), f"islands[{k}].moment": 2 * math.log10(m),
                 "film.stiffness": math.log10(s), "grid.spacing": -2 * math.log10(h)}
        total = sum(parts.values())  # log10 of the scale, computed without overflow
        if lo <= total <= hi:
            continue
        sign = 1 if total > hi else -1
        key = max(parts, key=lambda name: sign * parts[name])
        what = "overflow to inf" if sign > 0 else "underflow to 0"
        raise ConfigError(
            f"{key}: the energy scale film.stiffness x (coupling x |moment|)^2 / grid.spacing^2 of "
            f"islands[{k}] is 1e{total:.0f}, outside [{ENERGY_SCALE_RANGE[0]:g}, "
            f"{ENERGY_SCALE_RANGE[1]:g}]: energies and couplings would {what} (stiffness {s:g}, "
            f"coupling {g:g}, |moment| {m:g}, spacing {h:g})")


check_memory, check_spacing, check_energy_scale = _check_memory, _check_spacing, _check_energy_scale
