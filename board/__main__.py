"""python -m board: the command line."""

import sys

from board.cli import main

sys.exit(main())
