"""The command line's argument parsers (``python -m solver [run|sweep|validate] --help``)."""
from __future__ import annotations

import argparse
from typing import NoReturn

__all__ = ["progress_options", "run_parser", "sweep_parser", "top_parser", "validate_parser"]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit code 2), like the
    configuration errors, instead of the usage block plus the error."""

    def error(self, message: str) -> NoReturn:  # noqa: D102 - argparse API
        self.exit(2, f"error: {self.prog}: {' '.join(message.split())} (see --help)\n")


def _top_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m solver",
        description="Thin-film Maxwell-London (Pearl) solver with spin-orbit coupling. "
                    "Without a command, 'run' is assumed (python -m solver [run options]).",
        epilog="Run 'python -m solver COMMAND --help' for the options of a command.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="solve a configuration (default: two disk islands) and write "
                               "solution.nc / solution.png")
    sub.add_parser("sweep", help="run the [sweep] table of a configuration")
    sub.add_parser("validate", help="run the validation suite (python -m validation)")
    return p


def _run_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m solver run",
        description="Solve the islands of CONFIG.toml (default: two disk islands with moments along "
                    "their axis on an isolated film); print energies and couplings next to the "
                    "point-dipole values; write OUT/solution.nc and OUT/solution.png.",
        epilog="The options below override the configuration; --separation and --radius apply "
               "to the built-in default only. See solver/app/config.py for the TOML schema.")
    p.add_argument("config", nargs="?", metavar="CONFIG.toml", help="run configuration (TOML)")
    p.add_argument("--out", default="out", metavar="DIR", help="output folder (default ./out)")
    p.add_argument("--pearl-length", type=float, help="Pearl length r0 (default 2.0)")
    p.add_argument("--separation", type=float, help="centre-to-centre distance (default 2.0)")
    p.add_argument("--radius", type=float, help="disk radius (default 0.2)")
    p.add_argument("--spacing", type=float, help="grid spacing (default 0.01)")
    p.add_argument("--cells", type=int, help="grid cells per side (default 512)")
    p.add_argument("--boundary", choices=("open", "periodic"), help="default open")
    p.add_argument("--heights", type=float, nargs="+", metavar="Z",
                   help="heights of the B_z maps written to the dataset (default 0)")
    p.add_argument("--no-files", action="store_true", help="print the table only; write nothing")
    p.add_argument("--dry-run", action="store_true", help="check the configuration and stop")
    _progress_options(p)
    return p


def _sweep_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m solver sweep",
        description="Run the [sweep] table of CONFIG.toml (axes: dotted keys such as "
                    "film.pearl_length, or separation) and write OUT/sweep.nc and OUT/sweep.png.")
    p.add_argument("config", metavar="CONFIG.toml", help="configuration with a [sweep] table")
    p.add_argument("--out", default="out", metavar="DIR", help="output folder (default ./out)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="run on a local Dask cluster of N processes (0: serially; overrides sweep.workers)")
    p.add_argument("--scheduler", metavar="ADDR", help="address of a running Dask scheduler")
    p.add_argument("--threads", type=int, metavar="N",
                   help="FFT threads per process (default: cores / Dask worker threads)")
    _progress_options(p)
    return p


def _validate_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m solver validate",
        description="Run the validation suite (python -m validation): every case against an "
                    "independent reference; exit code non-zero when a case fails.")
    p.add_argument("--fast", action="store_true", help="only the fast cases")
    p.add_argument("--out", metavar="DIR", help="report folder (passed to the suite)")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="further arguments for python -m validation")
    return p


def _progress_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="always show progress bars (default: only on a terminal)")
    g.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")


top_parser, run_parser = _top_parser, _run_parser
sweep_parser, validate_parser = _sweep_parser, _validate_parser
progress_options = _progress_options
