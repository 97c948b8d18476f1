"""``python -m nutshell.alexnet.bench …``: the command line's ``bench``, named after this module. It lives
apart from the benchmark so that the benchmark never imports the command line (which imports it)."""

import sys

from nutshell.alexnet.cli import run_as_module

if __name__ == "__main__":
    sys.exit(run_as_module(prog="python -m nutshell.alexnet.bench", command="bench"))
