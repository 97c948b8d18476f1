"""What the three front ends (``nutshell``, ``nutshell demo``, ``nutshell alexnet``) share at the terminal.

- :class:`CommandParser`, :class:`UsageError`, :func:`run_command_line` and :data:`EXIT_STATUS_HELP`:
  one parser class, one error for what was typed wrong, one place that runs a command and turns what
  happened into an exit status, one rule for that status (shown by ``nutshell --help``).
- :func:`printable`, :func:`printable_copy`, :func:`json_text`: text from data/ and demos/ reaches the
  reader's terminal without the control characters a terminal obeys, so a hostile entry cannot retitle,
  clear or reprogram it.
- :func:`quiet_when_the_reader_leaves`: ``nutshell … | head`` ends silently with status 0, like
  ``git log | head``.
- :func:`folder_problem`: why a folder named on the command line cannot be written into, found before
  any work is done.

Standard library only: ``nutshell define`` imports this module and must start at once.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
from collections.abc import Callable

# ── Commands, their mistakes and their exit status ────────────────────────────

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C

EXIT_STATUS_HELP = """\
exit status:
  0      done (a timeline with no milestone in it included)
  1      the command ran and failed or found problems: problems in the data, no glossary
         term that matches (as grep finding no line), a demo or a training run that failed
  2      what was typed cannot be used, and nothing was done: an unknown command, option,
         era, tag or demo, a value out of range, a missing TERM, or a folder or file
         named that is missing or unusable (--data, --demos-dir, --out, --record-dir,
         a checkpoint to --resume from)
  128+N  stopped by signal N: 130 after Ctrl-C, 143 after SIGTERM"""


class UsageError(Exception):
    """What was typed cannot be used: one line on stderr, ``PROG: error: MESSAGE``, and exit status 2.

    ``prog`` names the command that refuses it; when None, the command being run (see run_command_line).
    """

    def __init__(self, message: str, prog: str | None = None):
        super().__init__(message)
        self.prog = prog


class CommandParser(argparse.ArgumentParser):
    """argparse, with its mistakes reported as a UsageError: one line and a pointer to ``--help``
    instead of a usage summary and a second line.

    Each parser also records its name as the ``prog`` default: after parsing, ``args.prog`` is the
    name of the command that will run (``nutshell timeline``), which its messages start with.

    ``add_arguments``, when given, is a function that adds this parser's arguments (and sub-commands)
    the first time they are needed: when it parses or shows its help. ``nutshell define`` builds the
    whole tree, and need not import the AlexNet settings or the demo runner to do so.
    """

    def __init__(self, *args, add_arguments: Callable[[CommandParser], None] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_defaults(prog=self.prog)  # a sub-command's default replaces its parent's
        self._add_arguments = add_arguments

    def _complete(self) -> None:
        if self._add_arguments is not None:
            add, self._add_arguments = self._add_arguments, None
            add(self)

    def parse_known_args(self, args=None, namespace=None):
        self._complete()  # a sub-command's parser is called here by its parent's
        return super().parse_known_args(args, namespace)

    def format_usage(self):
        self._complete()
        return super().format_usage()

    def format_help(self):
        self._complete()
        return super().format_help()

    def _get_formatter(self):
        # argparse asks shutil for the width, and importing shutil costs a lookup ~2 ms
        return self.formatter_class(prog=self.prog, width=terminal_columns(80) - 2)

    def error(self, message):
        raise UsageError(f"{message} (try `{self.prog} --help`)", prog=self.prog)

    def parse_args(self, args=None, namespace=None):
        # argparse reports words left over by a sub-command as the top-level parser's mistake; they
        # belong to the sub-command, whose --help says what it takes.
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            prog = getattr(parsed, "prog", self.prog)
            raise UsageError(f"unrecognized arguments: {' '.join(extras)} (try `{prog} --help`)", prog=prog)
        return parsed


def run_command_line(parser: argparse.ArgumentParser, argv: list[str]) -> int:
    """Parse ``argv`` with ``parser``, run the command it names, and return its exit status (see
    EXIT_STATUS_HELP).

    Each command is a function of the parsed arguments, set as the ``run`` default of its parser, that
    returns its status. ``args.argv`` holds what was typed, the program's name first as in sys.argv.
    """
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help and --version have been printed
        return done.code if isinstance(done.code, int) else EXIT_OK
    except UsageError as error:
        return _refuse(error.prog or parser.prog, error)
    args.argv = [parser.prog, *argv]
    try:
        return args.run(args)
    except UsageError as error:
        return _refuse(error.prog or args.prog, error)
    except KeyboardInterrupt:
        print(f"{args.prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _refuse(prog: str, error: UsageError) -> int:
    # The message may quote what was typed, or the data (an unknown era and the known ones).
    print(printable(f"{prog}: error: {error}"), file=sys.stderr)
    return EXIT_USAGE


def terminal_columns(fallback: int) -> int:
    """The terminal's width as shutil.get_terminal_size gives it (COLUMNS first, then the terminal of
    stdout), ``fallback`` when neither says; without importing shutil."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or fallback


# ── Text a terminal would obey ────────────────────────────────────────────────

# A terminal acts on whole escape sequences, so each is removed in one piece: removing only the ESC would
# leave "]0;title" or "[2J" on the screen. The 8-bit C1 forms (\x9b for ESC [, \x9d for ESC ] …) start
# them too.
_ESCAPE_SEQUENCE = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?  # CSI: cursor moves, colours, clear screen
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])                 # OSC, DCS, SOS, PM, APC (window titles,
      [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)?                  # links …) up to their terminator
    | \x1b [\x20-\x2f]* [\x30-\x7e]?                          # the rest: ESC c (reset), ESC 7, ESC ( 0 …
    """,
    re.VERBOSE,
)
# C0 controls but newline and tab (carriage return and backspace can overwrite what is shown), DEL, C1, and
# the bidirectional embeddings, overrides and isolates (they make text read otherwise than it is stored), and
# invisible zero-width spaces and joiners that would make "back\u200bprop" a different word from "backprop"
# (U+200C and U+200D stay: Persian and emoji need them). nutshell.untrusted refuses the same characters in data/.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` without escape sequences, bidirectional controls or control characters but newline and tab."""
    return CONTROL_CHARACTER.sub("", _ESCAPE_SEQUENCE.sub("", text))


def printable_copy(value):
    """``value`` with :func:`printable` applied to every string in it, through dataclasses and containers.

    The command line cleans what it loaded before formatting it, so that wrapping counts only what is shown.
    """
    import dataclasses  # here, not at the top: a lookup from the glossary cache never needs it (~7 ms)

    if isinstance(value, str):
        return printable(value)
    if isinstance(value, (list, tuple)):
        return type(value)(printable_copy(item) for item in value)
    if isinstance(value, dict):
        return {printable_copy(key): printable_copy(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [field.name for field in dataclasses.fields(value) if field.init]  # the rest are derived
        return dataclasses.replace(value, **{name: printable_copy(getattr(value, name)) for name in fields})
    return value


def json_text(value) -> str:
    """``value`` as indented JSON that is safe to print: every control character is written as ``\\uXXXX``.

    json.dumps already escapes U+0000–U+001F; with ensure_ascii=False (to keep "Méthode" readable) it lets
    DEL and the C1 controls through. They can only occur inside strings, where the escape means the same.
    """
    import json

    text = json.dumps(value, indent=1, ensure_ascii=False)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)


# ── A reader that leaves early ────────────────────────────────────────────────


def quiet_when_the_reader_leaves(main):
    """Wrap a command's ``main`` so that a closed pipe on stdout ends it with status 0 and nothing on stderr.

    When ``head`` has read enough it closes the pipe, and the next write raises BrokenPipeError: from a print
    in the middle of the command, or from the final flush of a buffered stdout as Python exits. Both are
    caught here: stdout is flushed while the handler is still listening, and afterwards it points at
    os.devnull, so the interpreter's own flush at exit has nowhere left to fail.
    """

    @functools.wraps(main)
    def run(*args, **kwargs):
        try:
            try:
                return main(*args, **kwargs)
            finally:
                if sys.stdout is not None:
                    sys.stdout.flush()
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            return 0

    return run


# ── Folders named on the command line ─────────────────────────────────────────


def folder_problem(folder: str | os.PathLike) -> str | None:
    """Why ``folder`` cannot be created or written into, as "what is wrong (how to fix it)"; None if it can.

    Nothing is created: the check finds the nearest part of the path that exists and writes a temporary
    file there, which also catches what permission bits do not show (a read-only file system, /proc, root).
    """
    import tempfile
    from pathlib import Path

    if str(folder) == "":
        return "no folder named (give a folder name, such as '.')"
    wanted = Path(os.path.abspath(folder))
    try:
        nearest = wanted
        while not nearest.exists():
            if os.path.islink(nearest):
                return f"{nearest} is a link to nothing (remove the link or choose another folder)"
            nearest = nearest.parent
        if not nearest.is_dir():
            if nearest == wanted:
                return "exists and is not a folder (remove the file or choose another folder)"
            return f"cannot be created: {nearest} is a file, not a folder (choose another folder)"
        with tempfile.TemporaryFile(dir=nearest):
            pass
    except OSError as error:
        where = "" if nearest == wanted else f" in {nearest}"
        return f"cannot write{where}: {error.strerror or error} (choose a folder you can write to)"
    return None
