"""`python -m caisse`: the command line."""

import sys

from caisse.app.cli import main

sys.exit(main())
