"""``python -m ewp_client``: the same as the ``ewp`` command."""

import sys

from .cli import main

sys.exit(main())
