"""The model: what is solved, as plain data.

``grid`` (the computational grid), ``film`` (the superconducting film), ``film_geometry``
(finite-film polygons and their cut links on the grid), ``islands`` (``Island`` and its JSON),
``shapes`` (one class per island kind: the geometry), ``profiles`` (the rasterised edge) and
``sources`` (the exchange map a(r) and the placement checks). Imports only
:mod:`solver._common`.
"""

__all__: list[str] = []
