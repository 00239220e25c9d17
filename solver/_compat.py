"""The module paths of the flat layout (before the layered tree), kept importing.

Every old path (``solver.fft``, ``solver.sources``, ``solver.keldysh``, ...) is registered in
``sys.modules`` as the module that now holds that code, and set as an attribute of the package:
``solver.fft`` *is* ``solver.spectral.fft``, so ``from solver.fft import FFTBackend``,
``import solver.fft as m`` and monkeypatching ``m._DEFAULT`` all act on the real module.
``solver.sweep`` stays the sweep *function* (as before); its module is ``solver.app.sweep``
(``import solver.sweep`` / ``from solver.sweep import spec_point`` still reach the module).

Nothing in the package imports these paths; new code uses the layered ones.
"""
from __future__ import annotations

import importlib
import sys

OLD_PATHS = {
    # _common
    "atomic": "_common.atomic", "cache": "_common.cache", "checks": "_common.checks",
    # model
    "grid": "model.grid", "film": "model.film", "film_geometry": "model.film_geometry",
    "sources": "model.sources",
    # theory
    "keldysh": "theory.keldysh", "_keldysh_table": "theory._keldysh_table",
    "_keldysh_kernels": "theory._keldysh_kernels", "thermal": "theory.thermal",
    "materials": "theory.materials",
    # spectral
    "fft": "spectral.fft", "kernels": "spectral.kernels", "freespace": "spectral.freespace",
    "operators": "spectral.operators", "maxwell_london": "spectral.maxwell_london",
    "solution": "spectral.solution", "interactions": "spectral.interactions",
    "finite_film": "spectral.finite_film", "finite_solution": "spectral.finite_solution",
    "finite": "spectral.finite",
    # magnetism
    "lattice": "magnetism.lattice", "_ewald": "magnetism._ewald",
    "phase_diagram": "magnetism.phase_diagram", "island_lattice": "magnetism.island_lattice",
    "ground_state": "magnetism.ground_state", "_mesh": "magnetism._mesh",
    "ensembles": "magnetism.ensembles",
    # io (solver.io itself is the io package)
    "dataset": "io.dataset", "plotting": "io.plotting",
    # app
    "config": "app.config", "sweep": "app.sweep", "cli": "app.cli",
}
"""Old module name (``solver.<name>``) -> its module in the layered tree (``solver.<path>``)."""

MOVED_NAMES = {
    "cache": {"spectral.fft": ("load_fftw_wisdom", "save_fftw_wisdom", "_wisdom_path")},
    "sources": {"spectral.edge_energy": (
        "edge_energy", "edge_energy_tensors", "disk_edge_energy", "edge_spectrum_integral",
        "_GL16", "_gauss_legendre", "_edge_density", "_edge_power", "_disk_spectrum",
        "_normal_tensor"),
        "model.islands": ("_PARAMS",), "model.profiles": ("_offsets", "_periodic_gaussian"),
        "model.shapes": ("_polygon_sdf", "_rotate", "_self_intersection")},
    "config": {"app.config_tables": ("_film_shape",), "app.overrides": ("_split",)},
    "sweep": {"app.threads": ("_BLAS_SETTERS", "_accepts_n_workers", "_openblas_handles")},
    "cli": {"app.cli_files": ("_savefig",), "app.cli_parsers": ("_Parser", "_progress_options")},
}
"""Names that left an old module when it was split: old module -> {new module: names}. The old
path is still the module that kept the rest (so monkeypatching its globals acts on the code that
reads them); the moved names are set on it here, as attributes only (that module's code never
uses them, and no import edge runs from it to where they went)."""

KEEP_ATTRIBUTE = {"sweep"}
"""Old names whose package attribute is not the module (``solver.sweep`` is the function)."""

__all__ = ["KEEP_ATTRIBUTE", "MOVED_NAMES", "OLD_PATHS", "install"]


def install(package: str) -> None:
    """Register the old paths of ``package`` (the name of the ``solver`` package)."""
    root = sys.modules[package]
    for old, new in OLD_PATHS.items():
        module = importlib.import_module(f"{package}.{new}")
        for where, names in MOVED_NAMES.get(old, {}).items():
            home = importlib.import_module(f"{package}.{where}")
            for name in names:
                if not hasattr(module, name):
                    setattr(module, name, getattr(home, name))
        sys.modules.setdefault(f"{package}.{old}", module)
        if old not in KEEP_ATTRIBUTE:
            setattr(root, old, module)
