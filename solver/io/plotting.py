"""Figures of solutions, couplings and energy landscapes (matplotlib).

Every function takes ``ax=`` (an existing Axes to draw into; a new figure otherwise) and returns
``(fig, ax)``. Field plots accept a :class:`~solver.solution.Solution` or the
:class:`xarray.Dataset` of :meth:`Solution.to_dataset` / :func:`solver.open_solution`.

Use a non-interactive backend for scripts and tests (``MPLBACKEND=Agg`` or
``matplotlib.use("Agg")``); this module never selects one itself.
"""
from __future__ import annotations

import json
import math
from typing import Any, Sequence

import numpy as np

__all__ = ["angle_landscape", "coupling_vs_distance", "current_streamlines", "energy_landscape",
           "field_map", "film_edges", "island_outlines", "overview"]


def _axes(ax=None, **subplot_kw):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(**subplot_kw)
    else:
        fig = ax.figure
    return fig, ax


def _is_dataset(data: Any) -> bool:
    try:
        import xarray as xr
    except ImportError:  # pragma: no cover
        return False
    return isinstance(data, xr.Dataset)


def _islands_of(data: Any) -> list:
    from ..model.sources import Island

    if _is_dataset(data):
        text = data.attrs.get("islands", "[]")
        return [Island.from_dict(d) for d in json.loads(text)] if text else []
    return list(getattr(data, "islands", None) or [])


def _unit_label(data: Any) -> str:
    if _is_dataset(data):
        unit = data.attrs.get("length_unit", data["x"].attrs.get("units", ""))
        return "" if unit in ("", "1") else f" ({unit})"
    return ""


def _planar(data: Any) -> dict:
    """x, y, jx, jy of a Solution or a solution Dataset."""
    if _is_dataset(data):
        return {"x": np.asarray(data["x"]), "y": np.asarray(data["y"]),
                "jx": np.asarray(data["jx"]), "jy": np.asarray(data["jy"])}
    if hasattr(data, "current") and hasattr(data, "grid"):
        j = data.current
        return {"x": data.grid.x, "y": data.grid.y, "jx": j[0], "jy": j[1]}
    raise ValueError(f"data must be a solver.Solution or a solution Dataset, got {type(data).__name__}")


def _extent(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    hx = (x[1] - x[0]) / 2 if len(x) > 1 else 0.5
    hy = (y[1] - y[0]) / 2 if len(y) > 1 else 0.5
    return (x[0] - hx, x[-1] + hx, y[0] - hy, y[-1] + hy)


# --- film edges ----------------------------------------------------------------------------------
def _film_edges(data: Any) -> tuple[list, np.ndarray | None, tuple]:
    """(polygons, label map, extent) of a finite film: from a dataset's ``film_outline``/
    ``film_holes``/``film_mask`` or a solution's geometry; ([], None, ()) for an infinite film."""
    if _is_dataset(data):
        if "film_outline" not in data.attrs:
            return [], None, ()
        polys = [json.loads(data.attrs["film_outline"])] + json.loads(data.attrs.get("film_holes", "[]"))
        labels = np.asarray(data["film_mask"]) if "film_mask" in data else None
        x, y = np.asarray(data["x"]), np.asarray(data["y"])
    else:
        geo = getattr(data, "geometry", None)
        if geo is None:
            return [], None, ()
        polys = [geo.outline] + list(geo.holes)
        labels, x, y = geo.labels, data.grid.x, data.grid.y
    polys = [np.asarray(p, dtype=float) for p in polys if p is not None and len(p)]
    return polys, labels, _extent(x, y)


def film_edges(data: Any, ax=None, *, color: str = "w", linewidth: float = 1.0, **style):
    """Draw the outline and holes of a finite film (polygons; the staircase edge of a mask).

    Parameters
    ----------
    data : FiniteFilmSolution or xarray.Dataset
        Nothing is drawn for an infinite film.
    ax : matplotlib Axes, optional
    color, linewidth, style
        Passed to matplotlib.

    Returns
    -------
    (fig, ax)
    """
    fig, ax = _axes(ax)
    polys, labels, extent = _film_edges(data)
    for v in polys:
        closed = np.vstack([v, v[:1]])
        ax.plot(closed[:, 0], closed[:, 1], color=color, linewidth=linewidth, **style)
    if not polys and labels is not None:  # a mask film: contour the film nodes
        ax.contour(labels == 0, levels=[0.5], colors=[color], linewidths=linewidth,
                   extent=extent, origin="lower")
    return fig, ax


# --- islands -----------------------------------------------------------------------------------
def island_outlines(islands: Sequence[Any], ax=None, *, color: str = "w", linewidth: float = 1.0,
                    **style):
    """Draw the outlines of ``islands`` (Island objects, or the Solution/Dataset they belong to).

    Disks, ellipses, rectangles and polygons are drawn as their geometric boundary; a Gaussian
    island as a dashed circle of radius ``width``; a mask island as its 0.5-coverage contour.

    Returns
    -------
    (fig, ax)
    """
    from matplotlib import patches

    fig, ax = _axes(ax)
    if not isinstance(islands, (list, tuple)):
        islands = _islands_of(islands)
    kw = dict(fill=False, edgecolor=color, linewidth=linewidth, **style)
    for isl in islands:
        p, (cx, cy) = isl.params, isl.center
        if isl.kind == "disk":
            ax.add_patch(patches.Circle((cx, cy), p["radius"], **kw))
        elif isl.kind == "gaussian":
            ax.add_patch(patches.Circle((cx, cy), p["width"], linestyle="--", **kw))
        elif isl.kind == "ellipse":
            a, b = p["axes"]
            ax.add_patch(patches.Ellipse((cx, cy), 2 * a, 2 * b, angle=math.degrees(p["angle"]), **kw))
        elif isl.kind in ("rectangle", "polygon"):
            if isl.kind == "rectangle":
                (w, h), t = p["size"], p["angle"]
                c, s = math.cos(t), math.sin(t)
                local = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
                verts = local @ np.array([[c, s], [-s, c]])
            else:
                verts = np.asarray(p["vertices"], dtype=float)
            ax.add_patch(patches.Polygon(verts + [cx, cy], closed=True, **kw))
        elif isl.kind == "mask":
            from ..model.grid import Grid

            g = Grid(tuple(p["grid_shape"]), p["spacing"], tuple(p["grid_center"]))
            ax.contour(g.x, g.y, np.asarray(p["coverage"]), levels=[0.5], colors=[color],
                       linewidths=linewidth)
    return fig, ax


# --- fields ------------------------------------------------------------------------------------
def current_streamlines(data: Any, ax=None, *, islands: Sequence[Any] | None = None,
                        density: float = 1.2, log: bool = True, cmap: str = "magma",
                        colorbar: bool = True, max_points: int = 256):
    """Streamlines of the sheet current over a map of |j|, with island outlines.

    Parameters
    ----------
    data : Solution or xarray.Dataset
    ax : matplotlib Axes, optional
    islands : sequence of Island, optional
        Outlines to draw (default: the islands recorded on the solution/dataset).
    density : float
        matplotlib ``streamplot`` density.
    log : bool
        Logarithmic colour scale for |j| (three decades below the maximum).
    cmap : str
    colorbar : bool
    max_points : int
        The streamplot uses at most this many grid points per axis (strided), for speed.

    Returns
    -------
    (fig, ax)
    """
    from matplotlib.colors import LogNorm

    f = _planar(data)
    fig, ax = _axes(ax)
    mag = np.hypot(f["jx"], f["jy"])
    vmax = float(mag.max()) if mag.size and mag.max() > 0 else 1.0
    norm = LogNorm(vmin=vmax * 1e-3, vmax=vmax) if log else None
    im = ax.imshow(np.maximum(mag, vmax * 1e-3) if log else mag, origin="lower",
                   extent=_extent(f["x"], f["y"]), cmap=cmap, norm=norm, interpolation="nearest")
    sy = max(1, len(f["y"]) // max_points)
    sx = max(1, len(f["x"]) // max_points)
    x, y = f["x"][::sx], f["y"][::sy]
    u, v = f["jx"][::sy, ::sx], f["jy"][::sy, ::sx]
    if np.any(u) or np.any(v):
        ax.streamplot(x, y, u, v, density=density, color="w", linewidth=0.6, arrowsize=0.7)
    island_outlines(islands if islands is not None else _islands_of(data), ax=ax, color="c")
    film_edges(data, ax=ax, color="w", linewidth=1.0)
    unit = _unit_label(data)
    ax.set(xlabel=f"x{unit}", ylabel=f"y{unit}", title="sheet current |j| and streamlines",
           xlim=_extent(f["x"], f["y"])[:2], ylim=_extent(f["x"], f["y"])[2:])
    ax.set_aspect("equal")
    if colorbar:
        fig.colorbar(im, ax=ax, label="|j|")
    return fig, ax


def field_map(data: Any, height: float = 0.0, ax=None, *, islands: Sequence[Any] | None = None,
              cmap: str = "RdBu_r", robust: bool = True, colorbar: bool = True):
    """Map of B_z at ``height`` above the film (diverging colours, symmetric limits).

    Parameters
    ----------
    data : Solution or xarray.Dataset
        A Dataset must hold ``Bz`` at ``height`` (length unit) among its heights.
    height : float
        z >= 0 in the length unit.
    ax : matplotlib Axes, optional
    islands : sequence of Island, optional
    cmap : str
    robust : bool
        Colour limits at the 99.5th percentile of |B_z| (edge singularities of sharp islands
        otherwise wash the map out).
    colorbar : bool

    Returns
    -------
    (fig, ax)
    """
    if _is_dataset(data):
        bz = data["Bz"]
        if "height" in bz.dims:
            hs = np.asarray(data["height"])
            k = np.flatnonzero(np.isclose(hs, height, rtol=1e-12, atol=1e-15))
            if not k.size:
                raise ValueError(f"height {height!r} is not among the dataset's heights {hs.tolist()}")
            bz = bz.isel(height=int(k[0]))
        elif not np.isclose(float(data["height"]), height, rtol=1e-12, atol=1e-15):
            raise ValueError(f"height {height!r} is not the dataset's height {float(data['height'])}")
        x, y, bz = np.asarray(data["x"]), np.asarray(data["y"]), np.asarray(bz)
    elif hasattr(data, "field_z"):
        x, y, bz = data.grid.x, data.grid.y, data.field_z(height)
    else:
        raise ValueError(f"data must be a solver.Solution or a solution Dataset, got {type(data).__name__}")
    fig, ax = _axes(ax)
    lim = float(np.percentile(np.abs(bz), 99.5) if robust else np.abs(bz).max()) or 1.0
    im = ax.imshow(bz, origin="lower", extent=_extent(x, y), cmap=cmap, vmin=-lim, vmax=lim,
                   interpolation="nearest")
    island_outlines(islands if islands is not None else _islands_of(data), ax=ax, color="k",
                    linewidth=0.8)
    film_edges(data, ax=ax, color="0.3", linewidth=0.8, linestyle="--")
    unit = _unit_label(data)
    ax.set(xlabel=f"x{unit}", ylabel=f"y{unit}", title=f"B_z at height {height:g}{unit}")
    ax.set_aspect("equal")
    if colorbar:
        fig.colorbar(im, ax=ax, label="B_z")
    return fig, ax


def overview(data: Any, height: float | None = None, ax=None):
    """Two panels: current streamlines and the B_z map (at ``height``, default the first one).

    ``ax`` may be a pair of Axes. Returns ``(fig, (ax_current, ax_field))``.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
    else:
        fig = ax[0].figure
    if height is None:
        height = float(np.atleast_1d(np.asarray(data["height"]))[0]) if _is_dataset(data) else 0.0
    current_streamlines(data, ax=ax[0])
    field_map(data, height, ax=ax[1])
    return fig, tuple(ax)


# --- couplings ---------------------------------------------------------------------------------
def coupling_vs_distance(data: Any, j_perp: Sequence[float] | None = None,
                         j_par: Sequence[float] | None = None, *, x: str = "separation",
                         hue: str | None = None, pearl_length: float | None = None,
                         dipole_constant: float | None = None, ax=None):
    """Effective couplings J⊥, J∥ against the distance, next to the point-dipole values.

    Parameters
    ----------
    data : xarray.Dataset or array of distances
        A Dataset with a coordinate ``x`` (distance, length unit) and variables ``J_perp`` and
        ``J_par`` (e.g. from :func:`solver.sweep.sweep`), optionally with one more dimension
        (``hue``, e.g. ``pearl_length``) drawn as one colour per value; or the distances
        themselves with ``j_perp`` and ``j_par``.
    j_perp, j_par : array, optional
        Couplings when ``data`` holds distances.
    x : str
        Distance coordinate of a Dataset.
    hue : str, optional
        The extra dimension (default: the one remaining, if any).
    pearl_length : float, optional
        r0 for the point-dipole curves (taken from the ``hue`` coordinate when that is
        ``pearl_length``, or from a ``pearl_length`` coordinate/attribute); none: no reference.
    dipole_constant : float, optional
        Z = s g² / (2π) of the point-dipole curves (default: the Dataset's ``dipole_constant``
        attribute, else 1/(2π)).
    ax : matplotlib Axes, optional

    Returns
    -------
    (fig, ax)
    """
    from ..theory import keldysh

    curves = []  # (label, r0 or None, d, jperp, jpar)
    if _is_dataset(data):
        ds = data
        if x not in ds.coords:
            raise ValueError(f"the dataset has no coordinate {x!r} (its coords: {list(ds.coords)})")
        for name in ("J_perp", "J_par"):
            if name not in ds:
                raise ValueError(f"the dataset has no variable {name!r}")
        extra = [d for d in ds["J_perp"].dims if d != x and ds.sizes[d] > 1]
        sq = ds.squeeze(drop=False)
        if hue is None:
            if len(extra) > 1:
                raise ValueError(f"J_perp has several extra dimensions {extra}: select all but one (hue)")
            hue = extra[0] if extra else None
        if dipole_constant is None:
            dipole_constant = float(ds.attrs.get("dipole_constant", 1 / (2 * math.pi)))
        d = np.asarray(ds[x], dtype=float)
        if hue is None:
            r0 = pearl_length
            if r0 is None and "pearl_length" in ds.coords and ds["pearl_length"].size == 1:
                r0 = float(ds["pearl_length"])
            r0 = r0 if r0 is not None else ds.attrs.get("pearl_length")
            curves.append(("", r0, d, np.ravel(sq["J_perp"]), np.ravel(sq["J_par"])))
        else:
            for val in ds[hue].values:
                sel = ds.sel({hue: val}).squeeze(drop=False)
                r0 = float(val) if hue == "pearl_length" else pearl_length
                lab = f"{hue} = {val:g}" if isinstance(val, (int, float, np.number)) else f"{hue} = {val}"
                curves.append((lab, r0, d, np.ravel(sel["J_perp"].transpose(x, ...)),
                               np.ravel(sel["J_par"].transpose(x, ...))))
        unit = ds[x].attrs.get("units", "")
    else:
        if j_perp is None or j_par is None:
            raise ValueError("give j_perp and j_par with an array of distances")
        d = np.asarray(data, dtype=float)
        curves.append(("", pearl_length, d, np.asarray(j_perp, float), np.asarray(j_par, float)))
        unit = ""
        if dipole_constant is None:
            dipole_constant = 1 / (2 * math.pi)

    fig, ax = _axes(ax)
    allpos = True
    for k, (lab, r0, dd, jp, jl) in enumerate(curves):
        col = f"C{k % 10}"
        sep = ", " if lab else ""
        ax.plot(dd, jp, "o-", color=col, ms=4, label=f"J⊥ islands{sep}{lab}")
        ax.plot(dd, jl, "s-", color=col, ms=4, mfc="none", label=f"J∥ islands{sep}{lab}")
        allpos &= bool(np.all(jp > 0) and np.all(jl > 0))
        if r0 is not None and np.size(dd):
            dense = np.geomspace(dd.min(), dd.max(), 200) if dd.min() > 0 else np.linspace(dd.min(), dd.max(), 200)
            pp, pl = keldysh.couplings(dense, float(r0), Z=dipole_constant)
            ax.plot(dense, pp, "--", color=col, lw=1, alpha=0.8)
            ax.plot(dense, pl, ":", color=col, lw=1, alpha=0.8)
    if any(c[1] is not None for c in curves):
        ax.plot([], [], "k--", lw=1, label="J⊥ point dipoles")
        ax.plot([], [], "k:", lw=1, label="J∥ point dipoles")
    if np.all(np.concatenate([c[2] for c in curves]) > 0):
        ax.set_xscale("log")
    ax.set_yscale("log" if allpos else "symlog")
    u = "" if unit in ("", "1") else f" ({unit})"
    ax.set(xlabel=f"distance{u}", ylabel="coupling", title="pair couplings vs distance")
    ax.legend(fontsize="small")
    return fig, ax


# --- energy landscapes -------------------------------------------------------------------------
def angle_landscape(energies: Any, i: int = 0, j: int = 1, n: int = 73):
    """Total energy as a function of the directions of the moments of islands ``i`` and ``j``.

    Parameters
    ----------
    energies : InteractionEnergies
        From :func:`solver.interaction_energies`; the other islands keep their moments, and
        islands ``i``, ``j`` keep their moment magnitudes.
    i, j : int
        The two islands whose moment angles (radians, from the x axis) are varied.
    n : int
        Angles per axis over [0, 2π].

    Returns
    -------
    xarray.DataArray
        ``energy(theta_i, theta_j)`` (dims named ``theta_<i>``, ``theta_<j>``), F = ½ Σ μ·C·μ.
    """
    import xarray as xr

    C = np.asarray(energies.tensors)
    N = C.shape[0]
    if not (0 <= i < N and 0 <= j < N and i != j):
        raise ValueError(f"i and j must be two different island indices in [0, {N}), got {i}, {j}")
    if int(n) < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    theta = np.linspace(0.0, 2 * np.pi, int(n))
    M = np.array([isl.moment for isl in energies.islands], dtype=float)
    Ti, Tj = np.meshgrid(theta, theta, indexing="ij")
    P = np.broadcast_to(M, Ti.shape + M.shape).copy()
    P[..., i, :] = np.hypot(*M[i]) * np.stack([np.cos(Ti), np.sin(Ti)], -1)
    P[..., j, :] = np.hypot(*M[j]) * np.stack([np.cos(Tj), np.sin(Tj)], -1)
    E = 0.5 * np.einsum("...ka,klab,...lb->...", P, C, P)
    di, dj = f"theta_{i}", f"theta_{j}"
    return xr.DataArray(E, dims=(di, dj), name="energy",
                        coords={di: (di, theta, {"units": "rad", "long_name": f"moment angle of island {i}"}),
                                dj: (dj, theta, {"units": "rad", "long_name": f"moment angle of island {j}"})},
                        attrs={"long_name": "total energy F = 1/2 sum mu.C.mu", "units": "1"})


def energy_landscape(data: Any, ax=None, *, i: int = 0, j: int = 1, n: int = 73,
                     cmap: str = "viridis", colorbar: bool = True):
    """Energy map over two moment angles, with its minimum marked.

    Parameters
    ----------
    data : InteractionEnergies or 2-D xarray.DataArray
        An InteractionEnergies is evaluated with :func:`angle_landscape` (``i``, ``j``, ``n``);
        a DataArray (angles in radians as its two coordinates) is drawn as it is.
    ax : matplotlib Axes, optional
    cmap : str
    colorbar : bool

    Returns
    -------
    (fig, ax)
    """
    import xarray as xr

    da = data if isinstance(data, xr.DataArray) else angle_landscape(data, i, j, n)
    if da.ndim != 2:
        raise ValueError(f"the landscape must be 2-D, got dims {da.dims}")
    d0, d1 = da.dims
    a0, a1 = np.degrees(np.asarray(da[d0], float)), np.degrees(np.asarray(da[d1], float))
    E = np.asarray(da, dtype=float)
    fig, ax = _axes(ax)
    im = ax.pcolormesh(a1, a0, E, shading="nearest", cmap=cmap)
    if np.ptp(E) > 0:
        ax.contour(a1, a0, E, levels=12, colors="k", linewidths=0.4, alpha=0.6)
    k0, k1 = np.unravel_index(np.argmin(E), E.shape)
    ax.plot(a1[k1], a0[k0], "r*", ms=12, label=f"minimum ({a0[k0]:.0f}°, {a1[k1]:.0f}°)")
    ax.set(xlabel=f"{d1} (deg)", ylabel=f"{d0} (deg)", title="energy landscape")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small")
    if colorbar:
        fig.colorbar(im, ax=ax, label=str(da.attrs.get("long_name", "energy")))
    return fig, ax
