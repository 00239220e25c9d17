"""Geometry of a finite film: its outline, its holes, and how they cut the grid.

A finite film is a polygon (the *outline*) with polygonal *holes*, all given as ``(N, 2)`` vertex
arrays ``(x, y)`` in the grid's length unit. On a :class:`~solver.grid.Grid` every cell centre
(node) is labelled

* ``OUTSIDE`` (−1): beyond the outline;
* ``FILM`` (0): superconductor;
* ``k + 1``: inside hole ``k``.

For the second-order edge treatment of the stream-function solver (``solver.finite_film``) every
film node next to a non-film node also gets the exact fraction θ ∈ (0, 1] of the grid step at
which the segment between the two nodes crosses the boundary. Both come from the same scan-line
crossings of the polygons with the grid's rows and columns (the even–odd rule), so labels and
fractions are always consistent.

Helpers build the common shapes: :func:`disk`, :func:`rectangle`, :func:`ring` (an outline and
one hole).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .._common import checks
from .grid import Grid

__all__ = ["as_polygon", "BoundaryLinks", "disk", "FILM", "FilmGeometry", "MaskGeometry",
           "MIN_FRACTION", "MIN_WIDTH_CELLS", "OUTSIDE", "point_in_polygon", "rectangle", "ring",
           "signed_area"]

OUTSIDE = -1
FILM = 0

MIN_FRACTION = 1e-3
"""Smallest boundary fraction θ used in the stencil: a node closer than 1e-3 h to the edge is
treated as lying 1e-3 h from it (a boundary shift of ≤ 1e-3 h, far below the O(h²) error)."""

MIN_WIDTH_CELLS = 3
"""A film (or the bridge between a hole and an edge) must be at least this many cells wide."""


# ------------------------------------------------------------------------------- polygon helpers
def disk(center: tuple[float, float] = (0.0, 0.0), radius: float = 1.0,
         vertices: int = 1024) -> np.ndarray:
    """A regular polygon inscribed in the circle, as ``(vertices, 2)`` array (length unit).

    The area deficit is ≈ (2π²/3)/vertices² relative (2e-6 for 1024 vertices): pick ``vertices``
    so that it stays below the accuracy you need (the default is below the grid error of any grid
    up to ~4000 cells across the disk).
    """
    r = checks.positive_length("radius", radius)
    c = checks.vector2("center", center)
    n = checks.integer("vertices", vertices, 3)
    t = 2 * np.pi * np.arange(n) / n
    return np.column_stack([c[0] + r * np.cos(t), c[1] + r * np.sin(t)])


def rectangle(center: tuple[float, float] = (0.0, 0.0), size: tuple[float, float] = (1.0, 1.0),
              angle: float = 0.0) -> np.ndarray:
    """A rectangle of ``size = (width, height)`` rotated by ``angle`` (radians), ``(4, 2)``."""
    c = checks.vector2("center", center)
    w = checks.positive_length("size[0]", np.asarray(size, dtype=float)[0])
    hgt = checks.positive_length("size[1]", np.asarray(size, dtype=float)[1])
    th = checks.finite_real("angle", angle)
    corners = np.array([[-w, -hgt], [w, -hgt], [w, hgt], [-w, hgt]]) / 2
    rot = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    return c + corners @ rot.T


def ring(center: tuple[float, float] = (0.0, 0.0), inner_radius: float = 0.5,
         outer_radius: float = 1.0, vertices: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """An annulus: ``(outline, hole)`` polygons for ``Film(outline=..., holes=[hole])``."""
    a = checks.positive_length("inner_radius", inner_radius)
    b = checks.positive_length("outer_radius", outer_radius)
    if not a < b:
        raise ValueError(f"inner_radius must be < outer_radius, got {a} >= {b}")
    return disk(center, b, vertices), disk(center, a, vertices)


def as_polygon(name: str, vertices) -> np.ndarray:
    """Check a polygon: a finite real ``(N, 2)`` array, N >= 3, non-zero area, simple.

    Returns a float64 copy, counter-clockwise.
    """
    v = checks.finite_array(name, vertices)
    if v.ndim != 2 or v.shape[1] != 2 or v.shape[0] < 3:
        raise ValueError(f"{name} must be an (N, 2) array of polygon vertices (x, y) with N >= 3, "
                         f"got shape {v.shape}")
    v = np.array(v, dtype=float)
    bad = _first_crossing(v, v, same=True)
    if bad is not None:
        raise ValueError(f"{name} must be a simple polygon: its edges {bad[0]} and {bad[1]} "
                         "intersect")
    area = signed_area(v)
    if not abs(area) > 0:
        raise ValueError(f"{name} must enclose a non-zero area (its vertices are collinear)")
    if area < 0:
        v = v[::-1].copy()
    return v


def signed_area(v: np.ndarray) -> float:
    """Shoelace area, > 0 for counter-clockwise vertices (length²)."""
    x, y = v[:, 0], v[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _segments_cross(a, b, c, d) -> np.ndarray:
    """Elementwise: do the closed segments a–b and c–d intersect (arrays of points (..., 2))."""
    def orient(p, q, r):
        return (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - \
            (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0])
    d1, d2, d3, d4 = orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d)
    hit = (np.sign(d1) * np.sign(d2) <= 0) & (np.sign(d3) * np.sign(d4) <= 0)
    col = (d1 == 0) & (d2 == 0)
    if np.any(col):  # collinear: intersect only if the boxes overlap
        lo1, hi1 = np.minimum(a, b), np.maximum(a, b)
        lo2, hi2 = np.minimum(c, d), np.maximum(c, d)
        overlap = np.all(np.maximum(lo1, lo2) <= np.minimum(hi1, hi2), axis=-1)
        hit &= ~col | overlap
    return hit


def _first_crossing(p: np.ndarray, q: np.ndarray, same: bool) -> tuple[int, int] | None:
    """A pair (i, j) of intersecting edges of polygons p and q (adjacent edges of one polygon
    excluded when ``same``), or None.

    Sweep in x: the edges are sorted by their left end, and edge k is compared only with the
    following edges whose left end is not beyond its right end (one vectorised pass per offset;
    ~√N passes for smooth outlines, so an 8192-vertex disk takes milliseconds).
    """
    polys = [p] if same else [p, q]
    a = np.concatenate([v for v in polys])
    b = np.concatenate([np.roll(v, -1, axis=0) for v in polys])
    owner = np.concatenate([np.full(len(v), k) for k, v in enumerate(polys)])
    local = np.concatenate([np.arange(len(v)) for v in polys])
    size = np.concatenate([np.full(len(v), len(v)) for v in polys])
    xmin, xmax = np.minimum(a[:, 0], b[:, 0]), np.maximum(a[:, 0], b[:, 0])
    order = np.argsort(xmin, kind="stable")
    a, b, owner, local, size = a[order], b[order], owner[order], local[order], size[order]
    xmin, xmax = xmin[order], xmax[order]
    reach = np.searchsorted(xmin, xmax, side="right") - np.arange(len(xmin)) - 1
    for off in range(1, int(reach.max(initial=0)) + 1):
        i = np.flatnonzero(reach >= off)
        j = i + off
        if same:
            diff = np.abs(local[i] - local[j])
            keep = (diff != 1) & (diff != size[i] - 1)
        else:
            keep = owner[i] != owner[j]
        i, j = i[keep], j[keep]
        if not i.size:
            continue
        hit = np.flatnonzero(_segments_cross(a[i], b[i], a[j], b[j]))
        if hit.size:
            k, m = i[hit[0]], j[hit[0]]
            if not same and owner[k] == 1:
                k, m = m, k
            return int(local[k]), int(local[m])
    return None


def point_in_polygon(v: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Even–odd rule for points ``(x, y)`` (any shape) and polygon ``v`` (half-open in y)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    inside = np.zeros(np.broadcast(x, y).shape, dtype=bool)
    a, b = v, np.roll(v, -1, axis=0)
    for (ax, ay), (bx, by) in zip(a, b):
        crosses = (ay <= y) != (by <= y)
        if not np.any(crosses):
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (x < xc)
    return inside


# ------------------------------------------------------------------------------- scan lines
def _line_crossings(v: np.ndarray, lines: np.ndarray, axis: int) -> list[np.ndarray]:
    """Sorted crossings of polygon ``v`` with the lines ``coord[axis] = lines[k]``.

    ``axis = 1``: horizontal lines y = const, returns x of the crossings; ``axis = 0``: vertical
    lines x = const, returns y. An edge counts on [min, max) of its extent along ``axis`` (so a
    vertex on a line is counted once and the even–odd parity is exact).
    """
    a = v
    b = np.roll(v, -1, axis=0)
    other = 1 - axis
    a_s, b_s = a[:, axis], b[:, axis]           # coordinate along the line's normal
    a_t, b_t = a[:, other], b[:, other]         # coordinate along the line
    lo, hi = np.minimum(a_s, b_s), np.maximum(a_s, b_s)
    out: list[np.ndarray] = []
    # rows × edges is fine: both are O(n) (n ≤ a few thousand)
    block = max(1, 4_000_000 // max(1, len(v)))
    for s in range(0, lines.size, block):
        L = lines[s:s + block, None]
        hit = (lo[None, :] <= L) & (L < hi[None, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (L - a_s[None, :]) / (b_s - a_s)[None, :]
            pos = a_t[None, :] + t * (b_t - a_t)[None, :]
        for k in range(hit.shape[0]):
            out.append(np.sort(pos[k, hit[k]]))
    return out


@dataclass(frozen=True)
class BoundaryLinks:
    """Film nodes whose neighbour along one axis and direction is not film.

    Attributes
    ----------
    node : ndarray of int
        Flat index of the film node.
    neighbour : ndarray of int
        Flat index of the non-film neighbour.
    label : ndarray of int
        Label of the neighbour (``OUTSIDE`` or hole k + 1).
    fraction : ndarray of float
        θ ∈ [MIN_FRACTION, 1]: the boundary lies θ h from the film node towards the neighbour.
    """

    node: np.ndarray
    neighbour: np.ndarray
    label: np.ndarray
    fraction: np.ndarray


@dataclass(frozen=True, eq=False)
class FilmGeometry:
    """A film outline with holes, laid on a grid.

    Parameters
    ----------
    grid : Grid
    outline : (N, 2) array
        Vertices of the film's outer edge (length unit). Must lie inside the grid with at least
        two empty cells to spare on every side.
    holes : sequence of (M, 2) arrays
        Vertices of each hole; holes lie strictly inside the outline and do not overlap.

    Notes
    -----
    ``labels`` (ny, nx) holds ``OUTSIDE``, ``FILM`` or hole k + 1 per node; ``links`` the
    boundary fractions along x and y. Raises ``ValueError`` naming ``outline``/``holes`` for
    self-intersecting polygons, holes outside the outline or overlapping one another, a grid that
    does not cover the film, and a film (or a bridge between a hole and an edge) narrower than
    ``MIN_WIDTH_CELLS`` cells.
    """

    grid: Grid
    outline: np.ndarray
    holes: tuple = ()
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        outline = as_polygon("outline", self.outline)
        holes = tuple(as_polygon(f"holes[{k}]", h) for k, h in enumerate(self.holes))
        for arr in (outline,) + holes:
            arr.flags.writeable = False
        object.__setattr__(self, "outline", outline)
        object.__setattr__(self, "holes", holes)
        self._check_placement()
        self._check_width()

    # ---- checks ----------------------------------------------------------------------------
    def _check_placement(self) -> None:
        g = self.grid
        x0, x1, y0, y1 = g.bounds
        margin = 2 * g.spacing
        v = self.outline
        if (v[:, 0].min() < x0 + margin or v[:, 0].max() > x1 - margin
                or v[:, 1].min() < y0 + margin or v[:, 1].max() > y1 - margin):
            raise ValueError(
                "outline must lie inside the grid with two cells to spare: it spans "
                f"x ∈ [{v[:, 0].min():.6g}, {v[:, 0].max():.6g}], y ∈ [{v[:, 1].min():.6g}, "
                f"{v[:, 1].max():.6g}], the grid x ∈ [{x0:.6g}, {x1:.6g}], y ∈ [{y0:.6g}, {y1:.6g}]")
        for k, hole in enumerate(self.holes):
            if not np.all(point_in_polygon(v, hole[:, 0], hole[:, 1])) or \
                    _first_crossing(hole, v, same=False) is not None:
                raise ValueError(f"holes[{k}] must lie strictly inside the outline")
            for m in range(k):
                other = self.holes[m]
                if (_first_crossing(hole, other, same=False) is not None
                        or point_in_polygon(other, hole[:1, 0], hole[:1, 1])[0]
                        or point_in_polygon(hole, other[:1, 0], other[:1, 1])[0]):
                    raise ValueError(f"holes[{k}] and holes[{m}] overlap: holes must be disjoint")

    def _check_width(self) -> None:
        from scipy import ndimage

        film = self.labels == FILM
        if film.sum() < 16:
            raise ValueError("outline is too small for the grid: fewer than 16 cells of film "
                             f"(spacing {self.grid.spacing:g}); refine the grid")
        # a film MIN_WIDTH_CELLS wide survives an erosion by (MIN_WIDTH_CELLS − 1)/2 cells without
        # splitting; a narrower neck or bridge disconnects (or the whole film vanishes)
        r = (MIN_WIDTH_CELLS - 1) // 2
        eroded = ndimage.binary_erosion(film, iterations=r)
        n_film = ndimage.label(film)[1]
        n_eroded = ndimage.label(eroded)[1]
        if n_eroded == 0 or n_eroded > n_film:
            raise ValueError(
                f"the film is narrower than {MIN_WIDTH_CELLS} cells somewhere (outline/holes at "
                f"spacing {self.grid.spacing:g}): refine the grid or widen the film")
        for k in range(len(self.holes)):
            if not np.any(self.labels == k + 1):
                raise ValueError(f"holes[{k}] contains no grid node: it is narrower than a cell "
                                 f"(spacing {self.grid.spacing:g}); refine the grid")

    # ---- labels and crossings ----------------------------------------------------------------
    @cached_property
    def _polygons(self) -> tuple[np.ndarray, ...]:
        return (self.outline,) + self.holes

    def _crossings(self, axis: int) -> list[list[np.ndarray]]:
        """Per polygon, per grid line: sorted crossings (x along rows for axis=1, y along
        columns for axis=0)."""
        key = ("crossings", axis)
        if key not in self._cache:
            lines = self.grid.y if axis == 1 else self.grid.x
            self._cache[key] = [_line_crossings(p, lines, axis) for p in self._polygons]
        return self._cache[key]

    @cached_property
    def labels(self) -> np.ndarray:
        """Node labels (ny, nx): ``OUTSIDE`` (−1), ``FILM`` (0) or hole k + 1 (read-only)."""
        g = self.grid
        lab = np.full(g.shape, OUTSIDE, dtype=np.int32)
        per_poly = self._crossings(axis=1)
        for j in range(g.ny):
            inside_outline = (np.searchsorted(per_poly[0][j], g.x, side="right") % 2) == 1
            row = np.where(inside_outline, FILM, OUTSIDE)
            for k in range(1, len(per_poly)):
                in_hole = (np.searchsorted(per_poly[k][j], g.x, side="right") % 2) == 1
                row = np.where(in_hole & inside_outline, k, row)
            lab[j] = row
        lab.flags.writeable = False
        return lab

    @cached_property
    def mask(self) -> np.ndarray:
        """True on film nodes (ny, nx) (read-only)."""
        m = self.labels == FILM
        m.flags.writeable = False
        return m

    def links(self, axis: int) -> tuple[BoundaryLinks, BoundaryLinks]:
        """Boundary links along ``axis`` (1: x, 0: y) towards +axis and −axis.

        The fraction is measured from the film node to the nearest crossing of the polygon that
        separates it from its neighbour.
        """
        key = ("links", axis)
        if key in self._cache:
            return self._cache[key]
        g = self.grid
        lab = self.labels
        h = g.spacing
        coord = g.x if axis == 1 else g.y
        crossings = self._crossings(axis)
        result = []
        for step in (+1, -1):
            shifted = np.roll(lab, -step, axis=axis)
            edge = (lab == FILM) & (shifted != FILM)
            # grid borders cannot be film-adjacent (outline has a two-cell margin)
            iy, ix = np.nonzero(edge)
            line_idx = iy if axis == 1 else ix      # which scan line
            pos_idx = ix if axis == 1 else iy       # position along the line
            nb_label = shifted[iy, ix]
            poly = np.where(nb_label == OUTSIDE, 0, nb_label)
            frac = np.empty(iy.size)
            for n in range(iy.size):
                xs = crossings[poly[n]][line_idx[n]]
                p = coord[pos_idx[n]]
                if step > 0:
                    k = np.searchsorted(xs, p, side="right")
                    d = xs[k] - p if k < xs.size else h
                else:
                    k = np.searchsorted(xs, p, side="left") - 1
                    d = p - xs[k] if k >= 0 else h
                frac[n] = d / h
            frac = np.clip(frac, MIN_FRACTION, 1.0)
            node = np.ravel_multi_index((iy, ix), g.shape)
            ny_, nx_ = (iy, (ix + step) % g.nx) if axis == 1 else ((iy + step) % g.ny, ix)
            result.append(BoundaryLinks(node, np.ravel_multi_index((ny_, nx_), g.shape),
                                        nb_label.astype(np.int32), frac))
        self._cache[key] = tuple(result)
        return self._cache[key]

    # ---- derived quantities ------------------------------------------------------------------
    @property
    def n_holes(self) -> int:
        return len(self.holes)

    def area(self) -> float:
        """Film area (length²), exact for the polygons."""
        return abs(signed_area(self.outline)) - sum(abs(signed_area(h)) for h in self.holes)


class MaskGeometry(FilmGeometry):
    """A film given as a boolean mask of grid nodes (staircase edges).

    The edges lie on the cell faces between film and non-film nodes (θ = ½ on every cut link),
    so the edge converges at first order only: use polygons (:class:`FilmGeometry`) where the
    shape is known. Enclosed non-film regions that do not touch the grid border are holes
    (numbered in scan order); the film must keep two empty cells to the grid border.
    """

    def __init__(self, grid: Grid, mask) -> None:
        from scipy import ndimage

        raw = np.asarray(mask)
        if raw.dtype != bool:
            raise ValueError(f"mask must be a boolean array of shape {grid.shape}, got dtype "
                             f"{raw.dtype}")
        if raw.shape != grid.shape:
            raise ValueError(f"mask must have the grid's shape {grid.shape}, got {raw.shape}")
        film = raw.copy()
        if film[:2].any() or film[-2:].any() or film[:, :2].any() or film[:, -2:].any():
            raise ValueError("mask must leave two empty cells along every grid border (the film "
                             "must lie inside the grid)")
        if ndimage.label(film)[1] != 1:
            raise ValueError("mask must be one connected film (4-connected nodes)")
        empty, n_empty = ndimage.label(~film)
        lab = np.where(film, FILM, OUTSIDE).astype(np.int32)
        border = set(np.unique(np.concatenate([empty[0], empty[-1], empty[:, 0], empty[:, -1]])))
        k = 0
        for region in range(1, n_empty + 1):
            if region not in border:
                k += 1
                lab[empty == region] = k
        lab.flags.writeable = False
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "outline", None)
        object.__setattr__(self, "holes", tuple(None for _ in range(k)))
        object.__setattr__(self, "_cache", {"labels": lab})
        self._check_width()

    @property
    def labels(self) -> np.ndarray:  # type: ignore[override]
        return self._cache["labels"]

    def links(self, axis: int) -> tuple[BoundaryLinks, BoundaryLinks]:
        key = ("links", axis)
        if key in self._cache:
            return self._cache[key]
        g, lab = self.grid, self.labels
        result = []
        for step in (+1, -1):
            shifted = np.roll(lab, -step, axis=axis)
            iy, ix = np.nonzero((lab == FILM) & (shifted != FILM))
            ny_, nx_ = (iy, (ix + step) % g.nx) if axis == 1 else ((iy + step) % g.ny, ix)
            result.append(BoundaryLinks(np.ravel_multi_index((iy, ix), g.shape),
                                        np.ravel_multi_index((ny_, nx_), g.shape),
                                        shifted[iy, ix].astype(np.int32), np.full(iy.size, 0.5)))
        self._cache[key] = tuple(result)
        return self._cache[key]

    def area(self) -> float:
        """Film area: the number of film nodes times the cell area (length²)."""
        return float(np.count_nonzero(self.labels == FILM)) * self.grid.cell_area
