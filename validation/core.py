"""Building blocks shared by the validation cases: results, cases, the run context, fits."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

__all__ = ["Result", "Case", "Context", "observed_order", "rel_err"]


@dataclass(frozen=True)
class Result:
    """One checked number: a metric against a reference with a stated tolerance.

    Attributes
    ----------
    case : str
        Key of the case that produced it.
    name : str
        Short row title.
    metric : str
        What was measured, against which reference.
    value : float
        The measured number.
    low, high : float
        Accepted interval [low, high] (either end may be infinite).
    passed : bool
    notes : str
        Why the tolerance, where the extreme occurred, anything the reader needs.
    known_issue : str
        Non-empty for a check that documents a known defect: it is evaluated and reported like any
        other, but a failure does not fail the run (like pytest's xfail). Empty for normal checks.
    """

    case: str
    name: str
    metric: str
    value: float
    low: float
    high: float
    passed: bool
    notes: str = ""
    known_issue: str = ""

    @classmethod
    def check(cls, case: str, name: str, metric: str, value: float, *, high: float = math.inf,
              low: float = -math.inf, notes: str = "", known_issue: str = "") -> "Result":
        """A result that passes when ``low <= value <= high`` (NaN never passes)."""
        v = float(value)
        ok = bool(np.isfinite(v) and low <= v <= high)
        return cls(case, name, metric, v, float(low), float(high), ok, notes, known_issue)

    @property
    def blocking(self) -> bool:
        """True when this result makes the run fail (a failed check that is not a known issue)."""
        return not self.passed and not self.known_issue

    @property
    def status(self) -> str:
        if self.passed:
            return "PASS (known issue fixed?)" if self.known_issue else "PASS"
        return "KNOWN ISSUE" if self.known_issue else "FAIL"

    @property
    def tolerance(self) -> str:
        """The accepted range as text: '≤ 1e-10', '≥ 0.01', '[1.8, 2.2]'."""
        if math.isinf(self.low):
            return f"≤ {_fmt(self.high)}"
        if math.isinf(self.high):
            return f"≥ {_fmt(self.low)}"
        return f"[{_fmt(self.low)}, {_fmt(self.high)}]"


def _fmt(x: float) -> str:
    if x == 0 or (1e-3 <= abs(x) < 1e4):
        return f"{x:.4g}"
    return f"{x:.2e}"


@dataclass
class Context:
    """What a case gets: the mode and where to write its figures and netCDF files."""

    out: Path
    fast: bool = True
    artefacts: list = field(default_factory=list)
    markdown: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.out.mkdir(parents=True, exist_ok=True)

    def save_dataset(self, ds, name: str) -> Path:
        """Write an xarray Dataset atomically to ``out/name.nc`` (:func:`solver.io.save`) and
        record it."""
        import solver.io

        path = solver.io.save(ds, self.out / f"{name}.nc")
        self.artefacts.append(path.name)
        return path

    def add_markdown(self, title: str, text: str) -> None:
        """Append a titled Markdown section to the report (e.g. the errata table)."""
        self.markdown.append((title, text))

    def save_figure(self, fig, name: str) -> Path:
        """Save a matplotlib figure to ``out/name.png``, close it and record it."""
        import matplotlib.pyplot as plt

        from solver.atomic import write_atomically

        path = self.out / f"{name}.png"
        try:
            write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=110, bbox_inches="tight",
                                                           format="png"))
        finally:
            plt.close(fig)
        self.artefacts.append(path.name)
        return path


@dataclass(frozen=True)
class Case:
    """A validation case: ``run(context)`` returns its list of :class:`Result`."""

    key: str
    title: str
    run: Callable[[Context], list]
    reference: str = ""


def observed_order(sizes: Sequence[float], errors: Sequence[float]) -> float:
    """Least-squares slope of log(error) against log(size): the observed order of convergence."""
    x = np.log(np.asarray(sizes, dtype=float))
    y = np.log(np.abs(np.asarray(errors, dtype=float)))
    return float(np.polyfit(x, y, 1)[0])


def rel_err(value: np.ndarray, reference: np.ndarray) -> float:
    """max |value − reference| / max |reference| (norm-wise relative error)."""
    value, reference = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    return float(np.max(np.abs(value - reference)) / np.max(np.abs(reference)))
