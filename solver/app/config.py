"""TOML run configurations: parsing, validation, defaults and dotted-key overrides.

A configuration file describes one solve (``python -m solver run CONFIG.toml``) and, optionally,
a parameter sweep over it (``python -m solver sweep CONFIG.toml``). Every key is checked; unknown
keys are rejected, and every error is a :class:`ConfigError` whose one-line message names the
key and what was expected, e.g. ``film.pearl_length: expected a number > 0 or inf, got -1.0``.

Schema (lengths in the one unit of ``length_unit``; angles in radians)::

    length_unit = "um"          # recorded in the outputs only (pint/UDUNITS string, or "1")
    boundary = "open"           # or "periodic"
    coupling = 1.0              # g = Gamma J0
    heights = [0.0, 0.1]        # B_z heights z >= 0 written to the dataset

    [film]
    pearl_length = 2.0          # r0 > 0; inf = no screening
    stiffness = 1.0             # s > 0
    # a finite film (optional): outline = { kind = "disk", center = [0, 0], radius = 1.0 }
    # (kinds disk | rectangle (size, angle) | polygon (vertices) | ring (inner_radius,
    # outer_radius: an outline with one hole)); holes = [{ kind = "disk", ... }];
    # applied_field = 0.0 (uniform B_z); fluxoids = [0.0, ...] (one per hole)

    [grid]
    cells = 512                 # square grid, or shape = [ny, nx]
    spacing = 0.01
    center = [0.0, 0.0]

    [[islands]]                 # one table per island
    kind = "disk"               # disk | ellipse | rectangle | polygon | gaussian
    center = [-1.0, 0.0]
    radius = 0.2                # disk: radius; ellipse: axes, angle; rectangle: size, angle;
    moment = [1.0, 0.0]         # polygon: vertices (absolute); gaussian: width
    edge_width = 0.0            # optional erfc edge (not for gaussian)

    [outputs]
    dataset = "solution.nc"     # file names inside --out; false = do not write
    figure = "solution.png"

    [fft]
    backend = "auto"            # auto | pyfftw | scipy
    threads = 2

    [sweep]                     # only read by `python -m solver sweep`
    axes = { separation = [1.0, 2.0, 4.0], "film.pearl_length" = [0.5, 2.0] }
    workers = 0                 # 0: serial; n: a local Dask cluster of n processes
    scheduler = ""              # or the address of a running Dask scheduler
    dataset = "sweep.nc"
    figure = "sweep.png"

Limits (each refused with one line naming the key): ``grid.spacing`` in [1e-150, 1e150] with a
finite grid extent; a grid whose exchange map alone exceeds the available memory is refused
before anything of its size is built (exact integer arithmetic: astronomically large ``cells``
cannot overflow); the energy scale stiffness x (coupling x |moment|)² / spacing² of every island
in [1e-280, 1e280] (energies and couplings would otherwise overflow to inf or underflow to 0);
``fft.threads`` and ``sweep.workers`` at most 1024. A UTF-8 byte order mark at the start of a
file is ignored.

Axis names of a sweep are dotted keys of this schema (``film.pearl_length``, ``grid.spacing``,
``islands.1.center``, ``coupling`` …) or ``separation``: the distance between islands 0 and 1,
moved symmetrically about their midpoint along the line that joins them.
"""
from __future__ import annotations

import copy
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - python < 3.11
    import tomli as tomllib

import numpy as np

from .film import Film
from .grid import Grid
from .sources import Island

ISLAND_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required keys besides kind, optional keys)
    "disk": (("center", "radius"), ("moment", "edge_width")),
    "ellipse": (("center", "axes"), ("angle", "moment", "edge_width")),
    "rectangle": (("center", "size"), ("angle", "moment", "edge_width")),
    "polygon": (("vertices",), ("moment", "edge_width")),
    "gaussian": (("center", "width"), ("moment",)),
}

DEFAULT_CONFIG: dict[str, Any] = {
    "length_unit": "um",
    "boundary": "open",
    "coupling": 1.0,
    "heights": [0.0],
    "film": {"pearl_length": 2.0, "stiffness": 1.0},
    "grid": {"cells": 512, "spacing": 0.01, "center": [0.0, 0.0]},
    "islands": [
        {"kind": "disk", "center": [-1.0, 0.0], "radius": 0.2, "moment": [1.0, 0.0]},
        {"kind": "disk", "center": [1.0, 0.0], "radius": 0.2, "moment": [1.0, 0.0]},
    ],
    "outputs": {"dataset": "solution.nc", "figure": "solution.png"},
}
"""The built-in run: two disk islands (radius 0.2, 2 apart, moments along their axis), r0 = 2,
512 x 512 cells of 0.01, open boundary (the defaults of the original ``python -m solver run``)."""

_TOP = {"length_unit", "boundary", "coupling", "heights", "film", "grid", "islands", "outputs",
        "fft", "sweep"}


MAX_PARALLEL = 1024
"""Largest ``fft.threads`` and ``sweep.workers`` accepted (each worker is a process: an
absurd count would exhaust the machine before any error could be reported)."""


class ConfigError(ValueError):
    """A configuration is malformed; the message is one line naming the key."""


@dataclass(frozen=True)
class SweepSpec:
    """The ``[sweep]`` table: axes (name -> values) and how/where to run."""

    axes: dict[str, list]
    workers: int = 0
    scheduler: str = ""
    dataset: str | None = "sweep.nc"
    figure: str | None = "sweep.png"


@dataclass(frozen=True)
class RunConfig:
    """A validated run configuration.

    Attributes
    ----------
    film, grid : Film, Grid
    islands : list of Island
    boundary : str
    coupling : float
    heights : tuple of float
    length_unit : str
    dataset, figure : str or None
        Output file names (relative to the output folder), None = not written.
    fft_backend : str or None
    fft_threads : int or None
    sweep : SweepSpec or None
    raw : dict
        The validated dictionary (defaults filled in), the base for :func:`apply_overrides`.
    """

    film: Film
    grid: Grid
    islands: list
    boundary: str = "open"
    coupling: float = 1.0
    heights: tuple = (0.0,)
    length_unit: str = "um"
    dataset: str | None = "solution.nc"
    figure: str | None = "solution.png"
    fft_backend: str | None = None
    fft_threads: int | None = None
    sweep: SweepSpec | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)
    applied_field: float | None = None
    fluxoids: list | None = None

    def fft(self):
        """The :class:`~solver.fft.FFTBackend` requested by ``[fft]`` (None: the default one)."""
        if self.fft_backend is None and self.fft_threads is None:
            return None
        from .fft import FFTBackend

        return FFTBackend(name=self.fft_backend, threads=self.fft_threads)

    def operator_key(self) -> tuple:
        """``(grid, film, boundary)``: points with equal keys share one cached operator."""
        return (self.grid, self.film if self.film.finite else self.film.pearl_length,
                self.boundary)


# --- small typed readers ------------------------------------------------------------------------
def _fail(key: str, expected: str, value: Any) -> ConfigError:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return ConfigError(f"{key}: expected {expected}, got {text}")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _number(key: str, v: Any, *, positive: bool = False, nonneg: bool = False,
            allow_inf: bool = False) -> float:
    what = "a number" + (" > 0" if positive else " >= 0" if nonneg else "")
    what += " or inf" if allow_inf else ""
    if not _is_number(v) or math.isnan(v) or (math.isinf(v) and not (allow_inf and v > 0)):
        raise _fail(key, what, v)
    if (positive and v <= 0) or (nonneg and v < 0):
        raise _fail(key, what, v)
    return float(v)


def _integer(key: str, v: Any, minimum: int, maximum: int | None = None) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum or \
            (maximum is not None and v > maximum):
        big = maximum is not None and isinstance(v, int) and v > maximum
        allowed = f"an integer in [{minimum}, {maximum}]" if big else f"an integer >= {minimum}"
        raise _fail(key, allowed, v)
    return int(v)


def _string(key: str, v: Any, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(v, str) or (choices is not None and v not in choices):
        raise _fail(key, "a string" if choices is None else "one of " + ", ".join(map(repr, choices)), v)
    return v


def _pair(key: str, v: Any, *, positive: bool = False) -> list[float]:
    if not isinstance(v, list) or len(v) != 2:
        raise _fail(key, "a pair of numbers [x, y]" + (" > 0" if positive else ""), v)
    return [_number(f"{key}[{i}]", x, positive=positive) for i, x in enumerate(v)]


def _table(key: str, v: Any, allowed: set[str]) -> dict:
    if not isinstance(v, dict):
        raise _fail(key, "a table", v)
    unknown = sorted(set(v) - allowed)
    if unknown:
        where = f"{key}.{unknown[0]}" if key else unknown[0]
        raise ConfigError(f"{where}: unknown key (allowed: {', '.join(sorted(allowed))})")
    return v


def _output(key: str, v: Any) -> str | None:
    if v is False or v == "":
        return None
    if not isinstance(v, str) or "/" in v or "\\" in v or v in (".", ".."):
        raise _fail(key, "a file name (no folders) or false", v)
    return v


# --- parsing ------------------------------------------------------------------------------------
def _island(k: int, d: Any) -> tuple[dict, Island]:
    key = f"islands[{k}]"
    if not isinstance(d, dict):
        raise _fail(key, "a table with a kind", d)
    kind = d.get("kind")
    if kind not in ISLAND_KINDS:
        raise _fail(f"{key}.kind", "one of " + ", ".join(map(repr, ISLAND_KINDS)), kind)
    required, optional = ISLAND_KINDS[kind]
    _table(key, d, {"kind", *required, *optional})
    for name in required:
        if name not in d:
            raise ConfigError(f"{key}.{name}: missing (a {kind} island needs {', '.join(required)})")
    out: dict[str, Any] = {"kind": kind}
    moment = _pair(f"{key}.moment", d.get("moment", [1.0, 0.0]))
    out["moment"] = moment
    edge = _number(f"{key}.edge_width", d.get("edge_width", 0.0), nonneg=True)
    if kind != "gaussian":
        out["edge_width"] = edge
    if "center" in required:
        out["center"] = _pair(f"{key}.center", d["center"])
    if kind == "disk":
        out["radius"] = _number(f"{key}.radius", d["radius"], positive=True)
        isl = Island.disk(out["center"], out["radius"], moment, edge)
    elif kind == "ellipse":
        out["axes"] = _pair(f"{key}.axes", d["axes"], positive=True)
        out["angle"] = _number(f"{key}.angle", d.get("angle", 0.0))
        isl = Island.ellipse(out["center"], out["axes"], out["angle"], moment, edge)
    elif kind == "rectangle":
        out["size"] = _pair(f"{key}.size", d["size"], positive=True)
        out["angle"] = _number(f"{key}.angle", d.get("angle", 0.0))
        isl = Island.rectangle(out["center"], out["size"], out["angle"], moment, edge)
    elif kind == "polygon":
        v = d["vertices"]
        if not isinstance(v, list) or len(v) < 3:
            raise _fail(f"{key}.vertices", "a list of >= 3 points [x, y]", v)
        out["vertices"] = [_pair(f"{key}.vertices[{i}]", p) for i, p in enumerate(v)]
        try:
            isl = Island.polygon(out["vertices"], moment, edge)
        except ValueError as exc:
            raise ConfigError(f"{key}.vertices: {exc}") from None
    else:
        out["width"] = _number(f"{key}.width", d["width"], positive=True)
        isl = Island.gaussian(out["center"], out["width"], moment)
    return out, isl


FILM_SHAPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required keys besides kind, optional keys) of [film] outline / holes tables
    "disk": (("center", "radius"), ("vertices",)),
    "rectangle": (("center", "size"), ("angle",)),
    "polygon": (("vertices",), ()),
    "ring": (("center", "inner_radius", "outer_radius"), ("vertices",)),
}


def _film_shape(key: str, d: Any, *, ring_ok: bool) -> tuple[dict, list]:
    """One ``[film] outline`` or hole table → (validated raw table, [outline, (hole)])."""
    from . import film_geometry as fg

    if not isinstance(d, dict) or "kind" not in d:
        raise _fail(key, "a table with kind = disk | rectangle | polygon" + (" | ring" if ring_ok else ""), d)
    kind = d["kind"]
    if kind not in FILM_SHAPES or (kind == "ring" and not ring_ok):
        raise _fail(f"{key}.kind", "one of " + ", ".join(k for k in FILM_SHAPES if ring_ok or k != "ring"),
                    kind)
    required, optional = FILM_SHAPES[kind]
    t = _table(key, d, {"kind", *required, *optional})
    for r in required:
        if r not in t:
            raise ConfigError(f"{key}.{r}: missing (required for kind = {kind!r})")
    out: dict = {"kind": kind}
    try:
        if kind == "disk":
            out.update(center=_pair(f"{key}.center", t["center"]),
                       radius=_number(f"{key}.radius", t["radius"], positive=True),
                       vertices=_integer(f"{key}.vertices", t.get("vertices", 1024), 3, 1 << 20))
            polys = [fg.disk(out["center"], out["radius"], out["vertices"])]
        elif kind == "rectangle":
            out.update(center=_pair(f"{key}.center", t["center"]),
                       size=_pair(f"{key}.size", t["size"], positive=True),
                       angle=_number(f"{key}.angle", t.get("angle", 0.0)))
            polys = [fg.rectangle(out["center"], out["size"], out["angle"])]
        elif kind == "polygon":
            v = t["vertices"]
            if not isinstance(v, list) or len(v) < 3:
                raise _fail(f"{key}.vertices", "a list of at least 3 [x, y] pairs", v)
            out["vertices"] = [_pair(f"{key}.vertices[{i}]", p) for i, p in enumerate(v)]
            polys = [fg.as_polygon(f"{key}.vertices", np.asarray(out["vertices"]))]
        else:
            out.update(center=_pair(f"{key}.center", t["center"]),
                       inner_radius=_number(f"{key}.inner_radius", t["inner_radius"], positive=True),
                       outer_radius=_number(f"{key}.outer_radius", t["outer_radius"], positive=True),
                       vertices=_integer(f"{key}.vertices", t.get("vertices", 1024), 3, 1 << 20))
            polys = list(fg.ring(out["center"], out["inner_radius"], out["outer_radius"],
                                 out["vertices"]))
    except ConfigError:
        raise
    except ValueError as exc:
        raise ConfigError(f"{key}: {' '.join(str(exc).split())}") from None
    return out, polys


def _finite_film(f: dict, raw: dict) -> tuple[Film, float | None, list | None]:
    """The [film] table → Film (with outline/holes), applied field and fluxoids."""
    outline = None
    holes: list = []
    if "outline" in f:
        raw["film"]["outline"], polys = _film_shape("film.outline", f["outline"], ring_ok=True)
        outline, holes = polys[0], polys[1:]
    if "holes" in f:
        if outline is None:
            raise ConfigError("film.holes: needs film.outline (a finite film)")
        if not isinstance(f["holes"], list):
            raise _fail("film.holes", "an array of tables ([[film.holes]])", f["holes"])
        raw["film"]["holes"] = []
        for k, d in enumerate(f["holes"]):
            table, polys = _film_shape(f"film.holes[{k}]", d, ring_ok=False)
            raw["film"]["holes"].append(table)
            holes.append(polys[0])
    applied = fluxoids = None
    for key in ("applied_field", "fluxoids"):
        if key in f and outline is None:
            raise ConfigError(f"film.{key}: needs film.outline (an infinite film has no edges "
                              "to screen a field or holes to trap flux)")
    if "applied_field" in f:
        applied = raw["film"]["applied_field"] = _number("film.applied_field", f["applied_field"])
    if "fluxoids" in f:
        v = f["fluxoids"]
        if not isinstance(v, list) or len(v) != len(holes):
            raise _fail("film.fluxoids", f"a list of {len(holes)} numbers (one per hole)", v)
        fluxoids = raw["film"]["fluxoids"] = [_number(f"film.fluxoids[{i}]", x)
                                              for i, x in enumerate(v)]
    try:
        film = Film(raw["film"]["pearl_length"], raw["film"]["stiffness"], outline=outline,
                    holes=holes)
    except ValueError as exc:
        raise ConfigError(f"film: {' '.join(str(exc).split())}") from None
    return film, applied, fluxoids


def _check_memory(shape: list[int], grid: Grid | None, boundary: str) -> None:
    """Raise :class:`ConfigError` (key ``grid``) if a solve on ``grid`` cannot fit in memory.

    With ``grid`` None only the exact lower bound (the exchange map: two float64 fields of
    ``shape``, computed with Python integers, so astronomically large shapes cannot overflow)
    is checked: this runs before the :class:`~solver.grid.Grid` is built.
    """
    from . import checks

    ny, nx = shape
    what = f"a {ny} x {nx} grid ({boundary} boundary)"
    hint = "use fewer cells (grid.cells or grid.shape)"
    lower = 16 * ny * nx
    if grid is None or lower > checks.available_memory_bytes():
        estimate = math.inf if lower > 2.0 ** 1000 else float(lower)
    else:
        from .operators import OpenOperator, PeriodicOperator
        from .sources import exchange_map_bytes

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


def parse_config(data: Mapping[str, Any], *, check_islands: bool = True,
                 check_memory: bool = True) -> RunConfig:
    """Validate a configuration dictionary (as read from TOML) and build the run objects.

    Every missing top-level key (``film``, ``grid``, ``islands`` …) takes its value from
    :data:`DEFAULT_CONFIG`, so ``{}`` is the built-in run; inside a table, ``film.pearl_length``,
    ``grid.spacing`` and ``grid.cells``/``grid.shape`` are required.

    Parameters
    ----------
    data : mapping
    check_islands : bool
        Check that every island lies inside an open grid (or fits in a periodic cell).
    check_memory : bool
        Check that a solve on the grid fits in the available memory (key ``grid``).

    Raises
    ------
    ConfigError
        One line, naming the offending key and what was expected.
    """
    if not isinstance(data, Mapping):
        raise _fail("config", "a table", data)
    _table("", dict(data), _TOP)
    raw: dict[str, Any] = {}
    raw["length_unit"] = _string("length_unit", data.get("length_unit", DEFAULT_CONFIG["length_unit"]))
    from .dataset import check_length_unit

    try:
        check_length_unit(raw["length_unit"])
    except ValueError as exc:
        raise ConfigError(f"length_unit: {exc}") from None
    raw["boundary"] = _string("boundary", data.get("boundary", "open"), ("open", "periodic"))
    raw["coupling"] = _number("coupling", data.get("coupling", 1.0))
    heights = data.get("heights", [0.0])
    if _is_number(heights):
        heights = [heights]
    if not isinstance(heights, list) or not heights:
        raise _fail("heights", "a non-empty list of numbers >= 0", heights)
    raw["heights"] = [_number(f"heights[{i}]", h, nonneg=True) for i, h in enumerate(heights)]
    if len(set(raw["heights"])) != len(raw["heights"]):
        raise _fail("heights", "distinct heights", heights)

    f = _table("film", data.get("film", DEFAULT_CONFIG["film"]),
               {"pearl_length", "stiffness", "outline", "holes", "applied_field", "fluxoids"})
    if "pearl_length" not in f:
        raise ConfigError("film.pearl_length: missing (expected a number > 0 or inf)")
    raw["film"] = {"pearl_length": _number("film.pearl_length", f["pearl_length"], positive=True,
                                           allow_inf=True),
                   "stiffness": _number("film.stiffness", f.get("stiffness", 1.0), positive=True)}
    film, applied_field, fluxoids = _finite_film(f, raw)

    g = _table("grid", data.get("grid", DEFAULT_CONFIG["grid"]), {"cells", "shape", "spacing", "center"})
    if ("cells" in g) == ("shape" in g):
        raise ConfigError("grid: expected exactly one of cells (an integer) or shape ([ny, nx])")
    if "cells" in g:
        n = _integer("grid.cells", g["cells"], 2)
        shape = [n, n]
        raw["grid"] = {"cells": n}
    else:
        s = g["shape"]
        if not isinstance(s, list) or len(s) != 2:
            raise _fail("grid.shape", "two integers [ny, nx] >= 2", s)
        shape = [_integer(f"grid.shape[{i}]", v, 2) for i, v in enumerate(s)]
        raw["grid"] = {"shape": shape}
    if "spacing" not in g:
        raise ConfigError("grid.spacing: missing (expected a number > 0)")
    raw["grid"]["spacing"] = _number("grid.spacing", g["spacing"], positive=True)
    _check_spacing(shape, raw["grid"]["spacing"])
    raw["grid"]["center"] = _pair("grid.center", g.get("center", [0.0, 0.0]))
    if check_memory:
        _check_memory(shape, None, raw["boundary"])  # before building anything of that size
    try:
        grid = Grid(tuple(shape), raw["grid"]["spacing"], tuple(raw["grid"]["center"]))
    except (ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(f"grid: {' '.join(str(exc).split())}") from None
    if check_memory:
        _check_memory(shape, grid, raw["boundary"])

    isl_data = data.get("islands", DEFAULT_CONFIG["islands"])
    if not isinstance(isl_data, list) or not isl_data:
        raise _fail("islands", "a non-empty array of tables ([[islands]])", isl_data)
    parsed = [_island(k, d) for k, d in enumerate(isl_data)]
    raw["islands"] = [p[0] for p in parsed]
    islands = [p[1] for p in parsed]
    _check_energy_scale(raw)
    if check_islands:
        import warnings

        from .sources import check_island_on_grid

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k, isl in enumerate(islands):
                try:
                    check_island_on_grid(isl, grid, raw["boundary"] == "periodic", index=k)
                except ValueError as exc:
                    raise ConfigError(str(exc)) from None

    o = _table("outputs", data.get("outputs", DEFAULT_CONFIG["outputs"]), {"dataset", "figure"})
    raw["outputs"] = {"dataset": _output("outputs.dataset", o.get("dataset", "solution.nc")),
                      "figure": _output("outputs.figure", o.get("figure", "solution.png"))}
    raw["outputs"] = {k: (v if v is not None else False) for k, v in raw["outputs"].items()}

    backend = threads = None
    if "fft" in data:
        ff = _table("fft", data["fft"], {"backend", "threads"})
        raw["fft"] = {}
        if "backend" in ff:
            backend = raw["fft"]["backend"] = _string("fft.backend", ff["backend"], ("auto", "pyfftw", "scipy"))
        if "threads" in ff:
            threads = raw["fft"]["threads"] = _integer("fft.threads", ff["threads"], 1, MAX_PARALLEL)

    sweep = None
    if "sweep" in data:
        sweep = _sweep(data["sweep"], raw)
        raw["sweep"] = {"axes": sweep.axes, "workers": sweep.workers, "scheduler": sweep.scheduler,
                        "dataset": sweep.dataset or False, "figure": sweep.figure or False}

    return RunConfig(film=film, grid=grid, islands=islands, boundary=raw["boundary"],
                     coupling=raw["coupling"], heights=tuple(raw["heights"]),
                     length_unit=raw["length_unit"], dataset=raw["outputs"]["dataset"] or None,
                     figure=raw["outputs"]["figure"] or None, fft_backend=backend,
                     fft_threads=threads, sweep=sweep, raw=raw, applied_field=applied_field,
                     fluxoids=fluxoids)


def _sweep(v: Any, raw: dict) -> SweepSpec:
    s = _table("sweep", v, {"axes", "workers", "scheduler", "dataset", "figure"})
    axes = s.get("axes")
    if not isinstance(axes, dict) or not axes:
        raise _fail("sweep.axes", "a table of axis name = [values, ...] (at least one axis)", s.get("axes"))
    clean: dict[str, list] = {}
    for name, values in axes.items():
        key = f"sweep.axes.{name}"
        if not isinstance(values, list) or not values:
            raise _fail(key, "a non-empty list of values", values)
        if name != "separation":
            try:
                get_path(raw, name)
            except KeyError:
                raise ConfigError(f"{key}: not a key of this configuration (use dotted keys such as "
                                  "film.pearl_length, grid.spacing, islands.0.center, or separation)") from None
        clean[name] = list(values)
    return SweepSpec(axes=clean,
                     workers=_integer("sweep.workers", s.get("workers", 0), 0, MAX_PARALLEL),
                     scheduler=_string("sweep.scheduler", s.get("scheduler", "")),
                     dataset=_output("sweep.dataset", s.get("dataset", "sweep.nc")),
                     figure=_output("sweep.figure", s.get("figure", "sweep.png")))


def load_config(path: str | Path, *, check_islands: bool = True,
                check_memory: bool = True) -> RunConfig:
    """Read and validate a TOML configuration file (see the module docstring for the schema).

    Parameters
    ----------
    path : str or path-like
    check_islands, check_memory : bool
        As in :func:`parse_config`.

    Raises
    ------
    ConfigError
        On a missing or unreadable file, a file that is not UTF-8 text, invalid TOML (with line
        and column) or any invalid key; the message starts with the file name. A UTF-8 byte
        order mark at the start (written by some Windows editors) is accepted and ignored.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a leading UTF-8 BOM is dropped
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a UTF-8 text file (a TOML configuration must be UTF-8; "
                          f"byte {exc.start} is {exc.object[exc.start:exc.start + 1]!r})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {' '.join(str(exc).split())}") from None
    try:
        return parse_config(data, check_islands=check_islands, check_memory=check_memory)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


# --- dotted keys --------------------------------------------------------------------------------
def _split(path: str) -> list[str]:
    return [p for p in re.sub(r"\[(\d+)\]", r".\1", path).split(".") if p]


def get_path(data: Any, path: str) -> Any:
    """The value at a dotted key (``film.pearl_length``, ``islands.1.center``); KeyError if absent."""
    cur = data
    for part in _split(path):
        if isinstance(cur, list):
            if not part.isdigit() or int(part) >= len(cur):
                raise KeyError(path)
            cur = cur[int(part)]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            raise KeyError(path)
    return cur


def set_path(data: dict, path: str, value: Any) -> None:
    """Set the value at a dotted key in place (the parent table or list must exist)."""
    parts = _split(path)
    if not parts:
        raise KeyError(path)
    parent = get_path(data, ".".join(parts[:-1])) if len(parts) > 1 else data
    last = parts[-1]
    if isinstance(parent, list):
        if not last.isdigit() or int(last) >= len(parent):
            raise KeyError(path)
        parent[int(last)] = value
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise KeyError(path)


def set_separation(data: dict, distance: float) -> None:
    """Move islands 0 and 1 to ``distance`` apart, symmetric about their midpoint, in place."""
    isl = data.get("islands")
    if not isinstance(isl, list) or len(isl) < 2:
        raise ConfigError("separation: needs at least two islands")
    d = _number("separation", distance, positive=True)

    def centre(k: int) -> list[float]:
        if "center" in isl[k]:
            return list(isl[k]["center"])
        verts = isl[k]["vertices"]  # polygon: centroid of the vertices (an approximation)
        return [sum(p[0] for p in verts) / len(verts), sum(p[1] for p in verts) / len(verts)]

    c0, c1 = centre(0), centre(1)
    dx, dy = c1[0] - c0[0], c1[1] - c0[1]
    r = math.hypot(dx, dy)
    ux, uy = (dx / r, dy / r) if r > 0 else (1.0, 0.0)
    mx, my = (c0[0] + c1[0]) / 2, (c0[1] + c1[1]) / 2
    targets = ([mx - ux * d / 2, my - uy * d / 2], [mx + ux * d / 2, my + uy * d / 2])
    for k, new in enumerate(targets):
        if "center" in isl[k]:
            isl[k]["center"] = new
        else:
            old = centre(k)
            isl[k]["vertices"] = [[p[0] + new[0] - old[0], p[1] + new[1] - old[1]] for p in isl[k]["vertices"]]


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict:
    """A deep copy of ``raw`` with dotted-key ``overrides`` applied (``separation`` included).

    Setting ``grid.cells`` drops ``grid.shape`` and vice versa.
    """
    out = copy.deepcopy(dict(raw))
    for key, value in overrides.items():
        if key == "separation":
            set_separation(out, value)
            continue
        parts = _split(key)
        if parts[:1] == ["grid"] and len(parts) == 2 and parts[1] in ("cells", "shape"):
            out.setdefault("grid", {}).pop("shape" if parts[1] == "cells" else "cells", None)
        try:
            set_path(out, key, value)
        except KeyError:
            raise ConfigError(f"{key}: not a key of this configuration") from None
    return out
