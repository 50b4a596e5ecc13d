"""`python -m ncst_bridge` runs the `ncst` command."""

import sys

try:
    from ncst_bridge.cli import main
except KeyboardInterrupt:  # Ctrl-C while starting: the same one line and status as later
    import os

    sys.stderr.write("ncst: interrupted\n")
    sys.stderr.flush()
    os._exit(130)  # not sys.exit: see ncst_bridge.cli._exit_interrupted

sys.exit(main())
