"""``python -m resonant`` runs the command line."""

import sys

from resonant.cli import main

sys.exit(main())
