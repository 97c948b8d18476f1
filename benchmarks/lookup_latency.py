"""How long `nutshell define` takes, as a user feels it (a new process each time), and where the time goes.

Prints medians over repeated runs, side by side in one run:
  - `python -c pass` (the interpreter's own start-up: the floor)
  - `nutshell define dropout` (process start + YAML load + validation + lookup + printing)
  - the in-process cost of loading the data and of one lookup
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 15


def median_seconds(command: list[str]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from nutshell.load import load_knowledge
    from nutshell.lookup import TermIndex

    floor = median_seconds([sys.executable, "-c", "pass"])
    define = median_seconds([sys.executable, "-m", "nutshell.cli", "define", "dropout"])
    loads = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        knowledge, problems = load_knowledge(ROOT / "data")
        loads.append(time.perf_counter() - start)
    assert not problems, problems
    index = TermIndex.from_knowledge(knowledge)
    start = time.perf_counter()
    for _ in range(1000):
        index.find("Nesterov momentum")
    lookup = (time.perf_counter() - start) / 1000
    print(f"python -c pass            median {floor * 1000:7.1f} ms")
    print(f"nutshell define dropout   median {define * 1000:7.1f} ms   ({define / floor:.1f}x interpreter start-up)")
    print(f"  load + validate data    median {statistics.median(loads) * 1000:7.1f} ms   "
          f"({len(knowledge.milestones)} milestones, {len(knowledge.terms)} terms)")
    print(f"  one lookup              mean   {lookup * 1e6:7.1f} µs")


if __name__ == "__main__":
    main()
