"""``python -m services.server``: the same as ``mana serve``."""

import sys

from services.server.cli import main

sys.exit(main())
