"""`python -m ncst_bridge` runs the `ncst` command."""

import sys

try:
    from ncst_bridge.cli import main
except KeyboardInterrupt:  # Ctrl-C while starting: the same one line and status as later
    sys.stderr.write("ncst: interrupted\n")
    sys.exit(130)

sys.exit(main())
