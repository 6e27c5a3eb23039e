"""`python -m eventtia_tui`: the same command line as `eventtia-tui`."""

import sys

from .cli import main

sys.exit(main())
