"""``python -m nutshell.alexnet.train …`` and ``torchrun … -m nutshell.alexnet.train …``: the command
line's ``train``, named after this module. It lives apart from the loop so that the loop never imports
the command line (which imports the loop)."""

import sys

from nutshell.alexnet.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]], prog="python -m nutshell.alexnet.train", direct=True))
