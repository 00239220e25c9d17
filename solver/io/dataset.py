"""A :class:`~solver.solution.Solution` as a labelled, self-describing :class:`xarray.Dataset`.

Layout (CF-1.10 conventions, netCDF-safe: every attribute is a string, a number or a numeric
array; no pickles, no ``None``):

* coordinates ``x``, ``y`` (cell centres) and ``height`` (above the film; a dimension only when
  several heights are requested, else a scalar coordinate), each with ``units`` and ``long_name``;
* variables ``ax, ay`` (source, the effective gauge field), ``Ax, Ay`` (vector potential at
  z = 0), ``jx, jy`` (sheet current), ``Bz`` (field at the requested heights) and ``energy``
  (0-d, F = −½ ∫ j·a d²r);
* attributes: ``Conventions``, ``pearl_length``, ``stiffness``, ``coupling`` (when known),
  ``boundary``, ``grid_spacing``, ``grid_shape``, ``grid_center``, ``length_unit``, ``islands``
  (JSON, see :func:`solver.sources.islands_from_json`), ``units_note``, and the provenance of
  the numbers (what made them, so a result can be reproduced bit for bit): ``solver_version``,
  ``date_created`` (ISO 8601, UTC), ``python_version``, ``numpy_version``, ``scipy_version``,
  ``pyfftw_version`` (``"none"`` when not installed), ``fft_backend``, ``fft_threads``,
  ``fft_planner``, ``precision`` (operator arithmetic) and the grid filter ``filter_strength``,
  ``filter_order`` (``solver.kernels.FILTER_STRENGTH``/``FILTER_ORDER``).

Units. The core is dimensionless apart from lengths, which are in one unit of the user's
(``length_unit``, any string pint and UDUNITS parse: ``"um"``, ``"nm"``, ``"m"``, or ``"1"``
for pure numbers). The stiffness s, the coupling g and the moments μ enter as plain factors, so
a, A and j are recorded in ``length_unit^-2`` (times g μ, and s for j), B_z in
``length_unit^-3`` and F in ``length_unit^-2`` (times s g² μ²). Unit strings use ``^`` for
powers, which both UDUNITS (CF) and pint read; ``ds.pint.quantify()`` (pint-xarray) works.
"""
from __future__ import annotations

import datetime as _dt
import math
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from .._common import checks, hooks
from .._common.progress import bar as progress_bar
from .._common.progress import NullBar as _NoBar, bar as _bar  # noqa: F401  (old private names)
from .._version import __version__
from ..model.sources import islands_from_json, islands_to_json
from ..spectral import kernels

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from ..spectral.solution import Solution

__all__ = ["check_dataset", "check_length_unit", "CONVENTIONS", "DEFAULT_LENGTH_UNIT",
           "library_versions", "solution_attrs", "to_dataset", "unit_power", "UNITS_NOTE",
           "VARIABLES"]

DEFAULT_LENGTH_UNIT = "um"
"""Length unit recorded when none is given: micrometres (the solver itself never converts)."""

CONVENTIONS = "CF-1.10"

_DIMENSIONLESS = {"1", "dimensionless", ""}

#: name -> (long_name, power of the length unit)
VARIABLES: dict[str, tuple[str, int]] = {
    "ax": ("effective gauge field a_x (source) in units of coupling g x moment", -2),
    "ay": ("effective gauge field a_y (source) in units of coupling g x moment", -2),
    "Ax": ("vector potential A_x at z = 0 in units of coupling g x moment", -2),
    "Ay": ("vector potential A_y at z = 0 in units of coupling g x moment", -2),
    "jx": ("sheet current j_x in units of stiffness s x coupling g x moment", -2),
    "jy": ("sheet current j_y in units of stiffness s x coupling g x moment", -2),
    "Bz": ("magnetic field B_z above the film in units of coupling g x moment", -3),
    "energy": ("free energy F = -1/2 integral of j.a in units of s g^2 moment^2", -2),
}

UNITS_NOTE = ("lengths in length_unit; stiffness s, coupling g and moments are dimensionless factors: "
              "a, A in g*moment/length^2, j in s*g*moment/length^2, Bz in g*moment/length^3, "
              "energy in s*g^2*moment^2/length^2")


def check_length_unit(length_unit: str) -> str:
    """Return ``length_unit`` after checking that pint reads it as a length (or ``"1"``).

    Raises
    ------
    ValueError
        If it is not a string, or pint does not parse it as a length.
    """
    if not isinstance(length_unit, str):
        raise ValueError(f"length_unit must be a unit string such as 'um' or '1', got {length_unit!r}")
    unit = length_unit.strip()
    if unit in _DIMENSIONLESS:
        return "1"
    try:
        import pint

        dims = pint.get_application_registry().parse_units(unit).dimensionality
    except ImportError:  # pragma: no cover - pint is a dependency
        return unit
    except Exception:  # pint raises several error types for unparsable strings
        raise ValueError(f"length_unit must be a length unit pint parses ('um', 'nm', 'm') or '1', "
                         f"got {length_unit!r}") from None
    if dict(dims) != {"[length]": 1}:
        raise ValueError(f"length_unit must be a unit of length (or '1'), got {length_unit!r} "
                         f"with dimensionality {dims}")
    return unit


def unit_power(length_unit: str, power: int) -> str:
    """The unit string ``length_unit^power`` (``"1"`` for dimensionless lengths or power 0)."""
    if length_unit in _DIMENSIONLESS or power == 0:
        return "1"
    if power == 1:
        return length_unit
    return f"{length_unit}^{power}"


def _heights(heights: float | Iterable[float]) -> list[float]:
    hs = [heights] if np.ndim(heights) == 0 else list(np.asarray(heights, dtype=float).ravel())
    if not hs:
        raise ValueError("heights must contain at least one height >= 0")
    out = [checks.nonnegative(f"heights[{i}]", h) for i, h in enumerate(hs)]
    if len(set(out)) != len(out):
        raise ValueError(f"heights must be distinct, got {out}")
    return out


def library_versions() -> dict[str, str]:
    """Versions of Python and of the numerical libraries that produce the numbers.

    Returns
    -------
    dict of str
        ``python_version``, ``numpy_version``, ``scipy_version`` and ``pyfftw_version``
        (``"none"`` when pyfftw is not installed: the scipy.fft backend is then used).
    """
    import platform

    import scipy

    try:
        import pyfftw

        fftw = str(getattr(pyfftw, "__version__", "unknown"))
    except ImportError:  # pragma: no cover - pyfftw is a dependency, optional at run time
        fftw = "none"
    return {"python_version": platform.python_version(), "numpy_version": np.__version__,
            "scipy_version": scipy.__version__, "pyfftw_version": fftw}


def solution_attrs(sol: "Solution", length_unit: str) -> dict:
    """netCDF-safe global attributes describing ``sol`` (no ``None``, no objects)."""
    fft = sol.operator.fft
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    attrs = {
        "Conventions": CONVENTIONS,
        "title": "Thin-film Maxwell-London (Pearl) solution with spin-orbit coupling",
        "source": f"pearl-soc-solver {__version__}: solver.solve (spectral, {sol.boundary} boundary)",
        "history": f"{now} created by solver.Solution.to_dataset",
        "date_created": now,
        "solver_version": __version__,
        "length_unit": length_unit,
        "pearl_length": float(sol.film.pearl_length),
        "stiffness": float(sol.film.stiffness),
        "boundary": sol.boundary,
        "grid_spacing": float(sol.grid.spacing),
        "grid_shape": np.asarray(sol.grid.shape, dtype=np.int64),
        "grid_center": np.asarray(sol.grid.center, dtype=float),
        "fft_backend": str(getattr(fft, "name", type(fft).__name__)),
        "fft_threads": np.int64(getattr(fft, "threads", 1)),
        "fft_planner": str(getattr(fft, "planner", "none")),
        "precision": str(getattr(sol.operator, "precision", "double")),
        "filter_strength": float(kernels.FILTER_STRENGTH),
        "filter_order": np.int64(kernels.FILTER_ORDER),
        **library_versions(),
        "islands": islands_to_json(sol.islands or []),
        "units_note": UNITS_NOTE,
    }
    if sol.coupling is not None:
        attrs["coupling"] = float(sol.coupling)
    return attrs


@hooks.register("to_dataset")  # Solution.to_dataset and FiniteFilmSolution.to_dataset
def to_dataset(sol: "Solution", heights: float | Sequence[float] = (0.0,), *,
               length_unit: str = DEFAULT_LENGTH_UNIT, progress: bool = False) -> "xr.Dataset":
    """Convert a solution to an :class:`xarray.Dataset` (see the module docstring for the layout).

    Parameters
    ----------
    sol : Solution
    heights : float or sequence of float
        Heights z >= 0 above the film (length unit) at which B_z is evaluated. One height gives
        ``Bz(y, x)`` with a scalar ``height`` coordinate; several give ``Bz(height, y, x)``.
    length_unit : str
        The unit the grid spacing, positions and Pearl length are in (default ``"um"``); it is
        only recorded (``units`` attributes), never used to convert. ``"1"`` records lengths as
        pure numbers.
    progress : bool
        Show a tqdm bar over the field evaluations (useful for big grids and many heights).

    Returns
    -------
    xarray.Dataset
    """
    import xarray as xr

    unit = check_length_unit(length_unit)
    hs = _heights(heights)
    many = not (np.ndim(heights) == 0 or len(hs) == 1)
    L = unit_power(unit, 1)

    steps = ["current", "vector_potential"] + [f"Bz(z={h:g})" for h in hs]
    bar = progress_bar(len(steps), "fields", progress)
    evaluate = getattr(sol, "evaluate", None)
    if evaluate is not None:  # energy, j, A and B_z at the first height in one pass
        evaluate(current=True, vector_potential=True, heights=hs[:1])
    try:
        j = sol.current
        bar.update()
        A = sol.vector_potential
        bar.update()
        bz = []
        for h in hs:
            bz.append(sol.field_z(h))
            bar.update()
    finally:
        bar.close()

    coords = {
        "x": ("x", np.asarray(sol.grid.x, dtype=float),
              {"units": L, "long_name": "x position (cell centre)", "axis": "X"}),
        "y": ("y", np.asarray(sol.grid.y, dtype=float),
              {"units": L, "long_name": "y position (cell centre)", "axis": "Y"}),
    }
    hattrs = {"units": L, "long_name": "height above the film", "positive": "up", "axis": "Z"}
    if many:
        coords["height"] = ("height", np.asarray(hs, dtype=float), hattrs)
        bz_var = (("height", "y", "x"), np.stack(bz))
    else:
        coords["height"] = ((), float(hs[0]), hattrs)
        bz_var = (("y", "x"), bz[0])

    a = sol.a if sol.a is not None else np.zeros((2,) + sol.grid.shape)
    data = {
        "ax": (("y", "x"), a[0]), "ay": (("y", "x"), a[1]),
        "Ax": (("y", "x"), A[0]), "Ay": (("y", "x"), A[1]),
        "jx": (("y", "x"), j[0]), "jy": (("y", "x"), j[1]),
        "Bz": bz_var,
        "energy": ((), float(sol.energy)),
    }
    data_vars = {}
    for name, (dims, values) in data.items():
        long_name, power = VARIABLES[name]
        data_vars[name] = (dims, np.array(values, dtype=float, copy=True),
                           {"units": unit_power(unit, power), "long_name": long_name})
    attrs = solution_attrs(sol, unit)
    if getattr(sol, "geometry", None) is not None:
        _add_finite_film(sol, unit, data_vars, attrs)
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def _add_finite_film(sol, unit: str, data_vars: dict, attrs: dict) -> None:
    """The finite-film parts of a dataset: stream function, film mask, outline and holes."""
    import json

    geo = sol.geometry
    data_vars["g"] = (("y", "x"), np.array(sol.stream_function, dtype=float),
                      {"units": unit_power(unit, -1), "long_name": "stream function g of the "
                       "sheet current, j = curl(g z) (units s x g x moment / length)"})
    data_vars["film_mask"] = (("y", "x"), geo.labels.astype(np.int8),
                              {"units": "1", "long_name": "node label: -1 outside, 0 film, "
                               "k+1 inside hole k", "flag_values": np.array([-1, 0], np.int8)})

    def poly(v):
        return [] if v is None else np.asarray(v, dtype=float).round(15).tolist()
    attrs["source"] = (f"{attrs['source'].split(':')[0]}: solver.solve (finite film, "
                       "stream function, conjugate gradients)")
    attrs["film_outline"] = json.dumps(poly(geo.outline))
    attrs["film_holes"] = json.dumps([poly(h) for h in geo.holes])
    attrs["film_outline_kind"] = "mask" if geo.outline is None else "polygon"
    b = sol.applied_field
    attrs["applied_field"] = float(b) if np.ndim(b) == 0 else float("nan")
    attrs["applied_field_note"] = ("uniform" if np.ndim(b) == 0 else
                                   "non-uniform map (not stored); applied_field = NaN")
    if geo.n_holes:  # (netCDF attributes cannot be empty arrays)
        attrs["hole_currents"] = np.asarray(sol.hole_currents, dtype=float)
        attrs["fluxoids"] = np.asarray(sol.fluxoids, dtype=float)
    attrs["magnetic_moment"] = float(sol.magnetic_moment)
    attrs["cg_iterations"] = np.int64(sol.info["iterations"])
    attrs["cg_residual"] = float(sol.info["residual"])


def check_dataset(ds: "xr.Dataset") -> None:
    """Raise ``ValueError`` if ``ds`` is not what :func:`to_dataset` writes (schema check).

    Checks the variables, coordinates and ``units`` attributes, and the values of the
    attributes that describe the solve: ``pearl_length`` (> 0 or inf), ``grid_spacing`` (> 0,
    finite), ``boundary`` (``open``/``periodic``), ``islands`` (the JSON of
    :func:`solver.sources.islands_from_json`), and, when present, ``stiffness`` (> 0, finite),
    ``coupling`` (finite), ``grid_shape`` (two integers >= 1 matching the ``y``, ``x`` sizes),
    ``grid_center`` (two finite numbers) and ``length_unit``. The message names the attribute.
    """
    missing = [v for v in VARIABLES if v not in ds.variables]
    missing += [c for c in ("x", "y", "height") if c not in ds.coords]
    missing += [a for a in ("Conventions", "pearl_length", "boundary", "grid_spacing", "islands")
                if a not in ds.attrs]
    if missing:
        raise ValueError(f"not a solver solution dataset: missing {', '.join(missing)}")
    for name in list(VARIABLES) + ["x", "y", "height"]:
        if "units" not in ds[name].attrs:
            raise ValueError(f"not a solver solution dataset: {name} has no units attribute")
    try:
        _check_attrs(ds)
    except ValueError as exc:
        raise ValueError(f"not a solver solution dataset: {exc}") from None


def _attr_scalar(attrs: dict, key: str):
    """A netCDF attribute as a scalar (netCDF stores numbers as 1-element arrays)."""
    value = attrs[key]
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item() if value.dtype.kind in "iuf" else value
    return value


def _check_attrs(ds: "xr.Dataset") -> None:
    """The attribute values of :func:`check_dataset` (ValueError naming the attribute)."""

    attrs = ds.attrs
    checks.positive_length("attribute 'pearl_length'", _attr_scalar(attrs, "pearl_length"),
                           allow_inf=True)
    checks.positive_length("attribute 'grid_spacing'", _attr_scalar(attrs, "grid_spacing"))
    if "stiffness" in attrs:
        checks.positive("attribute 'stiffness'", _attr_scalar(attrs, "stiffness"))
    if "coupling" in attrs:
        checks.finite_real("attribute 'coupling'", _attr_scalar(attrs, "coupling"))
    if attrs["boundary"] not in ("open", "periodic"):
        raise ValueError(f"attribute 'boundary' must be 'open' or 'periodic', got {attrs['boundary']!r}")
    if "grid_shape" in attrs:
        shape = np.atleast_1d(attrs["grid_shape"])
        if shape.shape != (2,) or shape.dtype.kind not in "iu" or (shape < 1).any():
            raise ValueError(f"attribute 'grid_shape' must be two integers [ny, nx] >= 1, "
                             f"got {attrs['grid_shape']!r}")
        if (int(shape[0]), int(shape[1])) != (ds.sizes["y"], ds.sizes["x"]):
            raise ValueError(f"attribute 'grid_shape' {shape.tolist()} does not match the data "
                             f"(y: {ds.sizes['y']}, x: {ds.sizes['x']})")
    if "grid_center" in attrs:
        center = np.atleast_1d(attrs["grid_center"])
        if center.shape != (2,) or center.dtype.kind not in "iuf" or not np.isfinite(center).all():
            raise ValueError(f"attribute 'grid_center' must be two finite numbers [x, y], "
                             f"got {attrs['grid_center']!r}")
    if "length_unit" in attrs:
        try:
            check_length_unit(attrs["length_unit"])
        except ValueError as exc:
            raise ValueError(f"attribute 'length_unit': {exc}") from None
    text = attrs["islands"]
    if not isinstance(text, str):
        raise ValueError(f"attribute 'islands' must be a JSON string, got {type(text).__name__}")
    try:
        islands_from_json(text)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ValueError(f"attribute 'islands' is not a valid island list (JSON of "
                         f"solver.sources.islands_to_json): {reason}") from None
