"""Typed readers of configuration values: each returns the value or raises a one-line
:class:`ConfigError` naming the key (the configuration's own checks, beside
:mod:`solver._common.checks`, whose errors name Python arguments instead)."""
from __future__ import annotations

import math
from typing import Any

__all__ = ["ConfigError", "fail", "integer", "is_number", "number", "output_name", "pair", "string",
           "table"]


class ConfigError(ValueError):
    """A configuration is malformed; the message is one line naming the key."""


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


fail, is_number, number, integer = _fail, _is_number, _number, _integer
string, pair, table, output_name = _string, _pair, _table, _output
