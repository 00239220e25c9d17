"""``python -m validation [--fast] [--out DIR]``."""
import sys

from .runner import main

sys.exit(main())
