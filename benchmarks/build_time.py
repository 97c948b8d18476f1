"""Cold and warm `mkdocs build --strict` of the real site.

Cold: with an empty demo cache (every demo executes). Warm: the same build again (demos from the
cache). Each is run REPEATS times; the script prints medians and their ratio. Uses a scratch cache
directory so your own .cache/ is left alone.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


def build(site_dir: Path, cache_dir: Path) -> float:
    sys.path.insert(0, str(ROOT))
    from tests.conftest import write_site_config  # the real mkdocs.yml with absolute paths

    config = write_site_config(site_dir.parent, demo_cache=cache_dir / "demos")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config), "-d", str(site_dir)],
                   cwd=ROOT, env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(REPEATS):
            cache = Path(scratch) / f"cache{repeat}"
            cold.append(build(Path(scratch) / "site", cache))
            warm.append(build(Path(scratch) / "site", cache))
            shutil.rmtree(cache, ignore_errors=True)
            print(f"run {repeat + 1}: cold {cold[-1]:6.1f} s   warm {warm[-1]:6.1f} s", flush=True)
    print(f"cold build median {statistics.median(cold):6.1f} s")
    print(f"warm build median {statistics.median(warm):6.1f} s   "
          f"(cold/warm = {statistics.median(cold) / statistics.median(warm):.1f}x)")


if __name__ == "__main__":
    main()
