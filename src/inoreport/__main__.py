"""``python -m inoreport ...`` is the ``inoreport`` command (see :mod:`inoreport.cli`)."""

import sys

from inoreport.cli import main

if __name__ == "__main__":
    sys.exit(main())
