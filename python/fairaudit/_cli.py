"""The ``fairaudit`` command installed with the wheel: the same CLI as the
binary, run in-process by the native module."""

import os
import sys

from . import _fairaudit


def main() -> None:
    # As the binary does: polars streams local files (bounded memory).
    os.environ.setdefault("POLARS_FORCE_ASYNC", "1")
    sys.exit(_fairaudit.run_cli(["fairaudit", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
