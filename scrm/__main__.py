"""``python -m scrm``: the command line (see :mod:`scrm.cli`)."""

from scrm.cli import main

if __name__ == "__main__":  # importing it (doctests, tools) runs nothing
    raise SystemExit(main())
