"""``python -m caisse_verif``: run the command-line verifier."""

from caisse_verif.cli import main

raise SystemExit(main())
