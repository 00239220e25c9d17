"""Output: solver datasets and files.

``dataset`` (a solution as a CF ``xarray.Dataset`` and its checks), ``netcdf`` (atomic netCDF
files: :func:`save`, :func:`open_solution`), ``plotting`` (figures). ``solver.io.save`` and
``solver.io.open_solution`` are the public entry points.
"""
import os  # noqa: F401  (``solver.io.os``: the module the writes go through, as before)

from .netcdf import ENGINE, _netcdf_safe_attrs, _storable, open_solution, save  # noqa: F401

__all__ = ["ENGINE", "open_solution", "save"]
