"""The JSON record every training run and benchmark writes, and reading them back for the site.

A record says what ran (config, command, git commit), where (device, torch and CUDA versions), when
(UTC date) and what came out (images/s, epochs, accuracy, wall time). Records for the site live in
``data/runs/*.json`` and are only ever copied there from real runs, never written by hand.
Nothing here imports torch at module level.
"""

from __future__ import annotations

import json
import platform
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from nutshell.files import write_atomically

SCHEMA = 1
REQUIRED_FIELDS = (
    "schema",
    "kind",
    "date",
    "command",
    "git_commit",
    "device",
    "torch_version",
    "cuda_version",
    "config",
    "images_per_s",
    "epochs",
    "accuracy",
    "wall_time_s",
)
KINDS = ("train", "bench")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def command_line(argv: list[str] | None = None) -> str:
    """The command as typed, as near as we can tell: ``python -m`` runs show the module name."""
    argv = list(sys.argv if argv is None else argv)
    if not argv:
        return ""
    script = Path(argv[0])
    if script.suffix == ".py" and "nutshell" in script.parts:
        parts = script.with_suffix("").parts
        module = ".".join(parts[parts.index("nutshell") :]).removesuffix(".__main__")
        return shlex.join(["python", "-m", module, *argv[1:]])
    return shlex.join([script.name, *argv[1:]])


def git_commit(start: Path | None = None) -> tuple[str | None, bool | None]:
    """(commit, has uncommitted changes) of the checkout this code runs from, or (None, None)."""
    where = start or Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return head or None, bool(status.strip())


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def environment(device) -> dict:
    """Device name and software versions for a run on ``device`` (a torch.device or string)."""
    import torch

    device = torch.device(device)
    env = {
        "device_type": device.type,
        "torch_version": torch.__version__,
        "cuda_version": torch.version.cuda,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cpu_threads": torch.get_num_threads(),
    }
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        env.update(
            device=torch.cuda.get_device_name(index),
            device_count=torch.cuda.device_count(),
            device_memory_gib=round(props.total_memory / 2**30, 1),
            cudnn_version=torch.backends.cudnn.version(),
            tf32_matmul=torch.backends.cuda.matmul.allow_tf32,
            tf32_cudnn=torch.backends.cudnn.allow_tf32,
        )
        try:
            env["driver"] = (
                subprocess.run(
                    ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                    capture_output=True,
                    text=True,
                    timeout=10,
                    check=False,
                )
                .stdout.strip()
                .splitlines()[0]
            )
        except (OSError, subprocess.SubprocessError, IndexError):
            pass
    else:
        env["device"] = f"CPU ({env['cpu']}, {env['cpu_threads']} threads)"
    return env


def new_record(kind: str, config: dict, device, command: str | None = None, **results) -> dict:
    """A record with every required field; ``results`` fill in images_per_s, accuracy, and the rest."""
    if kind not in KINDS:
        raise ValueError(f"record kind {kind!r} is not one of {KINDS}")
    commit, dirty = git_commit()
    record = {
        "schema": SCHEMA,
        "kind": kind,
        "date": utc_now(),
        "command": command if command is not None else command_line(),
        "git_commit": commit,
        "git_dirty": dirty,
        **environment(device),
        "config": config,
        "images_per_s": None,
        "epochs": None,
        "accuracy": None,
        "wall_time_s": None,
    }
    record.update(results)
    return record


def record_filename(record: dict) -> str:
    stamp = record["date"].replace("-", "").replace(":", "")
    variant = record.get("variant")
    device = "".join(ch if ch.isalnum() else "-" for ch in str(record.get("device_type", "dev"))).strip("-")
    parts = ["alexnet", record["kind"], *([variant] if variant else []), device, stamp]
    return "-".join(parts) + ".json"


def write_json_atomic(data, path: Path) -> Path:
    text = json.dumps(data, indent=2, sort_keys=False, default=str) + "\n"
    return write_atomically(path, text.encode("utf-8"))


def write_record(record: dict, directory: str | Path) -> Path:
    """Write ``record`` into ``directory`` under a name that says what and when; never overwrites."""
    directory = Path(directory)
    path = directory / record_filename(record)
    n = 1
    while path.exists():
        n += 1
        path = directory / record_filename(record).replace(".json", f"-{n}.json")
    return write_json_atomic(record, path)


def validate_record(record) -> list[str]:
    """Problems with one record, as sentences (empty when it is fine)."""
    if not isinstance(record, dict):
        return ["not a JSON object"]
    problems = [f"missing field {name!r}" for name in REQUIRED_FIELDS if name not in record]
    if record.get("kind") not in KINDS:
        problems.append(f"kind {record.get('kind')!r} is not one of {', '.join(KINDS)}")
    return problems


def load_records(directory: str | Path) -> tuple[list[dict], list[str]]:
    """Every valid ``*.json`` record in ``directory`` (oldest first) and the problems with the others."""
    records, problems = [], []
    for path in sorted(Path(directory).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            problems.append(f"{path}: {exc}")
            continue
        found = validate_record(record)
        if found:
            problems.extend(f"{path}: {p}" for p in found)
            continue
        record["_file"] = path.name
        records.append(record)
    records.sort(key=lambda r: r["date"])
    return records, problems


#: What the AlexNet demo page reads besides code: its fingerprint covers these (nutshell.demo_execution), so a
#: record copied into data/runs/ runs the page again.
DEMO_INPUTS = ("data/runs/*.json",)


def runs_dir() -> Path:
    """``data/runs`` of this checkout: below the working directory when run from the project root
    (as ``make`` and mkdocs do), else found from this file's place in ``src/nutshell/alexnet``."""
    here = Path.cwd() / "data" / "runs"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "data" / "runs"


def records_table(records: list[dict], rate_2012: float) -> str:
    """Recorded runs as a Markdown table with their provenance (device, date, command, commit)."""
    lines = [
        "| date | run | device | images/s | × 2012 | TFLOP/s | MFU | accuracy | command | commit |",
        "|---|---|---|--:|--:|--:|--:|--:|---|---|",
    ]
    for r in records:
        if r["kind"] == "bench":
            run = f"bench {r.get('variant') or ''}, batch {r.get('batch_size', '?')}"
        else:
            run = f"train {r.get('model', '')}, {r['epochs']} epoch{'s' if r['epochs'] != 1 else ''}"
        ips = r.get("images_per_s")
        cells = [
            r["date"][:10],
            run.strip(),
            str(r["device"]),
            f"{ips:,.0f}" if ips else "—",
            _ratio(ips / rate_2012) if ips else "—",
            f"{r['achieved_tflops']:.3g}" if r.get("achieved_tflops") else "—",
            f"{r['mfu']:.0%}" if r.get("mfu") else "—",
            f"{r['accuracy']:.1%}" if r.get("accuracy") is not None else "—",
            f"`{r['command']}`".replace("|", "\\|"),
            (r.get("git_commit") or "—")[:10] + (" (modified)" if r.get("git_dirty") else ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


NO_RECORDS_MARKDOWN = (
    "**No GPU run has been recorded for this site yet**, so the only modern measurement on this page is "
    "the CPU figure above. To add one, on a machine with an NVIDIA GPU: run `benchmarks/alexnet_gpu.sh` "
    "(about eight minutes on one H100), copy the JSON records it writes into `data/runs/`, and build the "
    "site again; `data/runs/README.md` has the steps and the record format."
)


def recorded_runs_markdown(records: list[dict], rate_2012: float) -> str:
    """The "Recorded runs" part of the AlexNet page: the table of records, or, with none, what exists
    instead and how a reader with a GPU adds one."""
    return records_table(records, rate_2012) if records else NO_RECORDS_MARKDOWN


def _ratio(value: float) -> str:
    return f"{value:,.1f}" if value >= 1 else f"{value:.2g}"
