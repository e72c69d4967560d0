"""``python -m tui``: the same as the ``mana`` command."""

import sys

from tui.cli import main

sys.exit(main())
