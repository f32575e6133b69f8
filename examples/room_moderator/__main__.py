"""Entry point of ``python -m room_moderator``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
