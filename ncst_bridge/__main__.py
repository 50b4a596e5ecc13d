"""`python -m ncst_bridge` runs the `ncst` command."""

import sys

from ncst_bridge.cli import main

sys.exit(main())
