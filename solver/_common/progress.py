"""The one progress-bar factory: tqdm bars on stderr, or an object that does nothing."""
from __future__ import annotations

import sys

__all__ = ["NullBar", "bar"]


class NullBar:
    """A bar that shows nothing (progress off, or tqdm missing)."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def set_description(self, *args, **kwargs) -> None:
        pass


def bar(total: int, desc: str, enabled: bool | None = True):
    """A tqdm bar over ``total`` steps on stderr that disappears when done (``leave=False``).

    ``enabled``: True shows it, False returns a :class:`NullBar`, None lets tqdm decide (shown
    only when stderr is a terminal).
    """
    if enabled is False:
        return NullBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return NullBar()
    return tqdm(total=total, desc=desc, leave=False, file=sys.stderr,
                disable=None if enabled is None else False)
