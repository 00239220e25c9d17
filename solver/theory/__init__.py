"""The analytic theory: closed forms the numerics are checked against and build on.

``keldysh`` (point-impurity couplings, the Keldysh potential; private tables
``_keldysh_table`` and kernels ``_keldysh_kernels``), ``thermal`` (temperature dependence),
``materials`` (microscopic film parameters). Imports :mod:`solver._common` and
:mod:`solver.model`.
"""

__all__: list[str] = []
