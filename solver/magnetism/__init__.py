"""The many-body layer: coupled moments built on the pair couplings of the layers below.

``lattice`` (+ ``_ewald``: lattice sums), ``ground_state`` (+ ``_mesh``: particle-mesh
energies), ``ensembles``, ``island_lattice``, ``phase_diagram``.
"""

__all__: list[str] = []
