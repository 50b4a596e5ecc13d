"""`python -m ncst_bridge` (and the `ncst` script) run the `ncst` command."""

import sys

from ncst_bridge.cli import main


def run() -> None:
    """The console script: ``main()`` as a program (it quiets interpreter-teardown chatter from native
    extensions after our one line, and ends a Ctrl-C with 130)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
