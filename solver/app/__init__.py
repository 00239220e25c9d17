"""The application layer: ``config`` (the TOML schema), ``sweep`` (parameter sweeps) and
``cli`` (``python -m solver``). ``cli`` is a client of the public API (the package root)."""

__all__: list[str] = []
