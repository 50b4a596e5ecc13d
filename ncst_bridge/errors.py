"""The one exception type the CLI turns into a one-line message and a non-zero exit."""


class NcstError(Exception):
    """A problem with the user's input or environment, explained in one line.

    Anything raised as NcstError is printed as ``ncst: <message>`` without a traceback;
    any other exception is a bug.
    """

    exit_code = 2
