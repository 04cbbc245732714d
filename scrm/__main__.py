"""``python -m scrm``: the command line (see :mod:`scrm.cli`)."""

from scrm.cli import main

raise SystemExit(main())
