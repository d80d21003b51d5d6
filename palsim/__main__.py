"""``python -m palsim`` is the ``palsim`` command."""

import sys

from palsim.cli import main

sys.exit(main())
