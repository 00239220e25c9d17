"""netCDF files: atomic writes and exact round trips of solver datasets.

``save(ds, path)`` writes with the h5netcdf engine to a temporary file in the destination
folder and moves it into place with :func:`os.replace`, so ``path`` is either the old file or
the complete new one, never half written. ``open_solution(path)`` reads a file back fully into
memory and closes it; values, coordinates and attributes come back identical
(``xarray.testing.assert_identical``).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._common.atomic import clean_stale_temporaries, write_atomically

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = ["ENGINE", "open_solution", "save"]

ENGINE = "h5netcdf"


def _netcdf_safe_attrs(attrs: dict, where: str) -> dict:
    """Attributes netCDF can hold: drop ``None``; reject objects, bools and nested containers."""
    out = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{where} attribute {key!r} is a bool, which netCDF cannot store; "
                             "use 0/1 or a string")
        if isinstance(value, (str, int, float, np.integer, np.floating)):
            out[key] = value
            continue
        arr = np.asarray(value)
        if arr.dtype.kind not in "iuf" or arr.ndim > 1:
            raise ValueError(f"{where} attribute {key!r} must be a string, a number or a 1-D "
                             f"numeric array, got {type(value).__name__}")
        out[key] = value
    return out


def _storable(var: Any) -> bool:
    """True for variables netCDF-4 stores portably: numbers, bools (xarray encodes them as
    int8), strings (also as object arrays of str), dates and time spans."""
    kind = var.dtype.kind
    if kind in "biufUSmM":
        return True
    if kind == "O":
        return all(isinstance(x, str) for x in np.asarray(var.values).ravel())
    return False


def save(ds: Any, path: str | os.PathLike, *, compress: bool = True, heights=(0.0,),
         length_unit: str = "um") -> Path:
    """Write a dataset (or a :class:`~solver.solution.Solution`) to a netCDF-4 file, atomically.

    Parameters
    ----------
    ds : xarray.Dataset or Solution
        A Solution is converted with ``to_dataset(heights, length_unit=...)`` first.
    path : str or path-like
        Destination (conventionally ``*.nc``); its folder must exist. An existing file is
        replaced only once the new one is complete.
    compress : bool
        zlib level 4 on the data variables (lossless: the round trip stays exact).
    heights, length_unit
        Used only when ``ds`` is a Solution.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    ValueError
        ``ds`` is not a Dataset/Solution, holds an attribute or a variable netCDF cannot store
        (bool or nested attributes, complex or object variables), or ``path`` is a folder, lies
        in a missing or non-writable folder. Nothing is written then. If writing itself fails
        (disk full, I/O error), the exception propagates and the temporary file is removed:
        ``path`` is left as it was.

    Notes
    -----
    Temporary files that killed saves left in the folder are removed first
    (:func:`solver.atomic.clean_stale_temporaries`: those of dead processes of this machine,
    and those idle for 10 minutes whose writer cannot be checked).
    """
    import xarray as xr

    if hasattr(ds, "to_dataset") and not isinstance(ds, (xr.Dataset, xr.DataArray)):
        ds = ds.to_dataset(heights, length_unit=length_unit)
    if isinstance(ds, xr.DataArray):
        ds = ds.to_dataset(name=ds.name or "data")
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"ds must be an xarray.Dataset or a solver.Solution, got {type(ds).__name__}")
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"path {str(path)!r}: folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a folder; give a file name such as 'run.nc'")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"path {str(path)!r}: folder {str(folder)!r} is not writable")
    out = ds.copy(deep=False)
    out.attrs = _netcdf_safe_attrs(ds.attrs, "dataset")
    for name, var in out.variables.items():
        var.attrs = _netcdf_safe_attrs(var.attrs, f"variable {name!r}")
        if not _storable(var):
            what = "complex" if var.dtype.kind == "c" else f"of dtype {var.dtype}"
            raise ValueError(f"variable {name!r} is {what}, which netCDF-4 cannot store portably; "
                             "store real numbers, integers or strings (e.g. real and imaginary parts "
                             "as two variables)")
    encoding = {}
    if compress:
        encoding = {name: {"zlib": True, "complevel": 4} for name, v in out.data_vars.items()
                    if v.ndim > 0 and v.dtype.kind in "iuf"}
    clean_stale_temporaries(folder)  # left by killed earlier saves (never a live writer's)
    return write_atomically(path, lambda tmp: out.to_netcdf(tmp, engine=ENGINE, encoding=encoding))


def open_solution(path: str | os.PathLike, *, check: bool = False) -> "xr.Dataset":
    """Read a netCDF file written by :func:`save` fully into memory (the file is closed).

    Parameters
    ----------
    path : str or path-like
    check : bool
        Verify that the file holds a solver solution (variables ``ax … Bz, energy``, units,
        attributes and their values: see :func:`solver.dataset.check_dataset`); raise
        ``ValueError`` naming what is missing or the attribute that is invalid.

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    ValueError
        ``path`` is not a file, is not a readable netCDF-4/HDF5 file (garbage, truncated, another
        format; the message gives the size and the reader's reason), or, with ``check``, lacks
        what a solver solution holds or holds an invalid attribute (negative Pearl length,
        island list that is not valid JSON, unknown island kind ...).
    """
    import xarray as xr

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file")
    try:
        with xr.open_dataset(path, engine=ENGINE) as handle:
            ds = handle.load()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        size = path.stat().st_size
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ValueError(f"path {str(path)!r} ({size} bytes) is not a readable netCDF-4 file "
                         f"(corrupt, truncated or another format): {reason}") from exc
    for var in ds.variables.values():  # the file is closed: forget where the data came from
        var.encoding.pop("source", None)
    ds.encoding.pop("source", None)
    if check:
        from .dataset import check_dataset

        check_dataset(ds)
    return ds
