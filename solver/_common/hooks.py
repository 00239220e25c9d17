"""Late-bound conversions: a lower layer offers a method whose work a higher layer does.

The results of the spectral layer (:class:`~solver.spectral.solution.Solution`,
:class:`~solver.spectral.finite_solution.FiniteFilmSolution`) have a ``to_dataset`` method, but
the conversion belongs to the I/O layer (:mod:`solver.io.dataset`), which imports the results and
not the reverse. The I/O layer registers its converter here when it is imported, and the package
root always imports it, so ``sol.to_dataset()`` works whenever ``solver`` is importable; no module
of a lower layer imports the I/O layer, not even inside a function.
"""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["call", "register"]

_HOOKS: dict[str, Callable[..., Any]] = {}


def register(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: make the function the implementation of the hook ``name``."""
    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        _HOOKS[name] = function
        return function

    return decorate


def call(name: str, *args: Any, **kwargs: Any) -> Any:
    """Call the implementation of the hook ``name``.

    Raises
    ------
    RuntimeError
        Nothing registered it (the layer that provides it was not imported).
    """
    try:
        function = _HOOKS[name]
    except KeyError:
        raise RuntimeError(f"no implementation of {name!r} is registered (import solver)") from None
    return function(*args, **kwargs)
