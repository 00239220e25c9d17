"""The ``[film]`` and ``[[islands]]`` tables of a configuration: validated and turned into the
model (:class:`~solver.model.film.Film` with its outline and holes, :class:`~solver.model.islands.Island`)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..model.film import Film
from ..model.sources import Island
from .config_values import ConfigError
from .config_values import fail as _fail
from .config_values import integer as _integer
from .config_values import number as _number
from .config_values import pair as _pair
from .config_values import table as _table

__all__ = ["FILM_SHAPES", "ISLAND_KINDS", "parse_finite_film", "parse_film_shape", "parse_island"]

ISLAND_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required keys besides kind, optional keys)
    "disk": (("center", "radius"), ("moment", "edge_width")),
    "ellipse": (("center", "axes"), ("angle", "moment", "edge_width")),
    "rectangle": (("center", "size"), ("angle", "moment", "edge_width")),
    "polygon": (("vertices",), ("moment", "edge_width")),
    "gaussian": (("center", "width"), ("moment",)),
}


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
    from ..model import film_geometry as fg

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


parse_island, parse_film_shape, parse_finite_film = _island, _film_shape, _finite_film
