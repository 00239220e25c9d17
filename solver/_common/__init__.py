"""Plumbing shared by every layer, importing nothing else from the package.

``checks`` (input validation), ``atomic`` (atomic file writes), ``cache`` (the on-disk cache of
tables), ``progress`` (the one progress-bar factory). See ``docs/architecture.md``.
"""

__all__: list[str] = []
