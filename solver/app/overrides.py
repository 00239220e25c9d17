"""Dotted-key access to a raw configuration (``film.pearl_length``, ``islands.1.center``) and the
overrides a sweep point or ``--set`` applies (``separation`` moves islands 0 and 1)."""
from __future__ import annotations

import copy
import math
import re
from typing import Any, Mapping

from .config_values import ConfigError
from .config_values import number as _number

__all__ = ["apply_overrides", "get_path", "set_path", "set_separation", "split_key"]


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


split_key = _split
