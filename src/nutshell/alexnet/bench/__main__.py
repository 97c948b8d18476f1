"""``python -m nutshell.alexnet.bench …``: the command line's ``bench``, named after this module. It lives
apart from the benchmark so that the benchmark never imports the command line (which imports it)."""

import sys

from nutshell.alexnet.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]], prog="python -m nutshell.alexnet.bench", direct=True))
