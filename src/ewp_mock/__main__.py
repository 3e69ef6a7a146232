"""``python -m ewp_mock``: the same as the ``ewp-mock`` command."""

import sys

from .cli import main

sys.exit(main())
