"""``python -m nutshell.alexnet.train …`` and ``torchrun … -m nutshell.alexnet.train …``: the command
line's ``train``, named after this module. It lives apart from the loop so that the loop never imports
the command line (which imports the loop)."""

import sys

from nutshell.alexnet.cli import run_as_module

if __name__ == "__main__":
    sys.exit(run_as_module(prog="python -m nutshell.alexnet.train", command="train"))
