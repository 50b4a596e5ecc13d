"""`python -m ncst_bridge` (and the `ncst` script) run the `ncst` command."""

import os
import sys

from ncst_bridge.cli import main


def run() -> None:
    """main(), then exit with stderr closed to interpreter teardown chatter.

    With colour-science, torch and OpenImageIO in one process, nanobind reports "leaked instances"
    of OIIO's TypeDesc (held by colour.io.image) on stderr while the interpreter shuts down; that is
    not an error of the run and would break the one-line error contract, so fd 2 goes to /dev/null
    once everything of ours has been printed and flushed.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    except (OSError, ValueError):
        pass
    sys.exit(code)


if __name__ == "__main__":
    run()
