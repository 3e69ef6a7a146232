"""``python -m ewp_client.cli``: the same as the ``ewp`` command."""

import sys

from . import main

sys.exit(main())
