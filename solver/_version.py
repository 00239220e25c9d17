"""The package version: one module, imported by everything that records it (the package root,
dataset attributes, disk-cache keys), so that no module needs the package root for it."""

__version__ = "0.1.0"

__all__ = ["__version__"]
