"""``python -m solver``: the command line (see ``solver.cli``)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
