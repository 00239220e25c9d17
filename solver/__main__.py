"""``python -m solver``: the command line (see ``solver.cli``)."""
import sys

from .app.cli import main

if __name__ == "__main__":
    sys.exit(main())
