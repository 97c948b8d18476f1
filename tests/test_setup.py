"""The set-up scripts `make` runs (tools/setup-system, tools/torch-index), on a fake PATH of stub commands.

Every stub (`id`, `sudo`, `apt-get`, `npm`, `uname`, `nvidia-smi`, a `python` for pip) logs its arguments and
installs nothing, so these tests need no network, no root and no Chromium, and each takes milliseconds.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUP_SYSTEM = ROOT / "tools/setup-system"
TORCH_INDEX = ROOT / "tools/torch-index"
BASH = shutil.which("bash") or "/bin/bash"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
SKIP_HINT = """make test PYTEST_ARGS='-m "not browser"'"""


class Machine:
    """A temporary PATH of stubs; `chromium`, `npm` and `axe` stand for what is installed."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.bin = tmp / "bin"
        self.bin.mkdir()
        self.log = tmp / "calls.log"
        self.log.touch()
        self.chromium = tmp / "usr/bin/chromium"
        self.venv = tmp / "venv"
        self.axe = self.venv / "axe/node_modules/axe-core/axe.min.js"
        self.python = tmp / "python"  # a stub for tools/torch-index (the torch_machine fixture)
        (self.venv / "bin").mkdir(parents=True)
        self.executable(self.venv / "bin/pip", "")
        self.env = {
            "PATH": str(self.bin),
            "STUB_LOG": str(self.log),
            "STUB_BIN": str(self.bin),
            "NUTSHELL_CHROMIUM": str(self.chromium),
            "VENV": str(self.venv),
            "AXE_VERSION": "4.10.3",
            "PYTHON": str(tmp / "no-python"),  # asked only while the venv has no pip
        }
        self.root(True)
        # apt-get "installs" chromium and npm; it fails with $APT_STATUS when that is set
        self.stub("apt-get", """echo "apt-get $* DEBIAN_FRONTEND=${DEBIAN_FRONTEND-}" >> "$STUB_LOG"
            [[ -z ${APT_STATUS-} ]] || exit "$APT_STATUS"
            for arg in "$@"; do
              case $arg in
                chromium) /bin/mkdir -p "${NUTSHELL_CHROMIUM%/*}"; : > "$NUTSHELL_CHROMIUM" ;;
                npm) /bin/cp -p "$STUB_BIN/../npm-after-install" "$STUB_BIN/npm" ;;
              esac
            done""")
        self.executable(tmp / "npm-after-install", self.logging("npm"))

    # ── building the machine ──

    @staticmethod
    def executable(path: Path, body: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"#!{BASH}\n{body}\n")
        path.chmod(0o755)
        return path

    @staticmethod
    def logging(name: str, then: str = "") -> str:
        return f'echo "{name} $*" >> "$STUB_LOG"\n{then}'

    def stub(self, name: str, body: str | None = None) -> None:
        self.executable(self.bin / name, body if body is not None else self.logging(name))

    def root(self, is_root: bool) -> None:
        self.executable(self.bin / "id", f"echo {0 if is_root else 1000}")

    def sudo(self, passwordless: bool) -> None:
        # `sudo -n true` answers whether sudo works without a password; otherwise run VAR=value... command
        self.stub("sudo", self.logging("sudo", f"""[[ $1 != -n ]] || exit {0 if passwordless else 1}
            while [[ $1 == *=* ]]; do export "$1"; shift; done
            exec "$@" """))

    def install(self, *what: str) -> None:
        for thing in what:
            if thing == "chromium":
                self.executable(self.chromium, "")
            elif thing == "npm":
                self.stub("npm")
            elif thing == "axe":
                self.axe.parent.mkdir(parents=True)
                self.axe.write_text("/* axe */")
            else:
                raise ValueError(thing)

    # ── running ──

    def run(self, script: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
        start = time.monotonic()
        result = subprocess.run([BASH, str(script), *args], env={**self.env, **env}, cwd=self.tmp,
                                capture_output=True, text=True, timeout=10)
        assert time.monotonic() - start < 2, "the set-up check must answer at once"
        return result

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()


@pytest.fixture
def machine(tmp_path) -> Machine:
    return Machine(tmp_path)


# ── tools/setup-system ────────────────────────────────────────────────────────


def test_as_root_installs_missing_chromium_with_apt_get(machine):
    machine.install("npm", "axe")
    result = machine.run(SETUP_SYSTEM, "--browser")
    assert result.returncode == 0, result.stderr
    assert machine.calls() == [
        "apt-get -qq update DEBIAN_FRONTEND=noninteractive",
        "apt-get -qq install -y chromium DEBIAN_FRONTEND=noninteractive",
    ]
    assert machine.chromium.is_file()


def test_as_root_installs_chromium_and_npm_then_axe_core(machine):
    result = machine.run(SETUP_SYSTEM, "--browser")
    assert result.returncode == 0, result.stderr
    venv = machine.venv
    assert machine.calls() == [
        "apt-get -qq update DEBIAN_FRONTEND=noninteractive",
        "apt-get -qq install -y chromium npm DEBIAN_FRONTEND=noninteractive",
        "npm install --silent --no-audit --no-fund --no-package-lock --save-exact"
        f" --prefix {venv}/axe axe-core@4.10.3",
    ]


def test_npm_is_not_needed_once_axe_core_is_in_the_venv(machine):
    machine.install("chromium", "axe")
    result = machine.run(SETUP_SYSTEM, "--browser")
    assert result.returncode == 0, result.stderr
    assert machine.calls() == []


def test_not_root_uses_passwordless_sudo(machine):
    machine.root(False)
    machine.sudo(passwordless=True)
    machine.install("npm", "axe")
    result = machine.run(SETUP_SYSTEM, "--browser")
    assert result.returncode == 0, result.stderr
    assert machine.calls() == [
        "sudo -n true",
        "sudo DEBIAN_FRONTEND=noninteractive apt-get -qq update",
        "apt-get -qq update DEBIAN_FRONTEND=noninteractive",
        "sudo DEBIAN_FRONTEND=noninteractive apt-get -qq install -y chromium",
        "apt-get -qq install -y chromium DEBIAN_FRONTEND=noninteractive",
    ]


@pytest.mark.parametrize("sudo", ["absent", "asks for a password"])
def test_not_root_without_sudo_stops_at_once_naming_the_command(machine, sudo):
    machine.root(False)
    if sudo != "absent":
        machine.sudo(passwordless=False)
    result = machine.run(SETUP_SYSTEM, "--browser")
    assert result.returncode == 1
    assert result.stdout == ""
    message = result.stderr
    assert message.count("make:") == 1, message
    assert "    sudo apt-get update && sudo apt-get install -y chromium npm\n" in message
    assert SKIP_HINT in message
    assert "NUTSHELL_CHROMIUM" in message  # Ubuntu's chromium is a snap stub
    assert not [call for call in machine.calls() if not call.startswith("sudo -n")]


def test_not_root_names_only_what_is_missing(machine):
    machine.root(False)
    machine.install("chromium")
    result = machine.run(SETUP_SYSTEM, "--browser")
    assert result.returncode == 1
    assert "sudo apt-get install -y npm\n" in result.stderr
    assert "NUTSHELL_CHROMIUM" not in result.stderr


@pytest.mark.parametrize("pytest_args", [
    '-m "not browser"',
    "-m 'not browser'",
    '-x -m "not browser and not slow" tests/test_load.py',
    '-m"not browser"',
    '-m browser -m "not browser"',  # pytest keeps the last -m
])
def test_browser_tests_deselected_need_nothing(machine, pytest_args):
    machine.root(False)  # nothing present and no way to install: still fine
    result = machine.run(SETUP_SYSTEM, "--browser", *shlex.split(pytest_args))
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    assert machine.calls() == []


@pytest.mark.parametrize("pytest_args", [
    "-m browser",
    '-k "not browser"',
    "tests/browser",
    '-m "not browser" -m slow',
])
def test_browser_tests_selected_need_chromium(machine, pytest_args):
    machine.install("npm", "axe")
    result = machine.run(SETUP_SYSTEM, "--browser", *shlex.split(pytest_args))
    assert result.returncode == 0, result.stderr
    assert "apt-get -qq install -y chromium DEBIAN_FRONTEND=noninteractive" in machine.calls()


def test_everything_present_installs_nothing(machine):
    machine.install("chromium", "npm", "axe")
    machine.sudo(passwordless=True)
    result = machine.run(SETUP_SYSTEM, "--browser")
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    assert machine.calls() == []


def test_without_browser_only_the_venv_module_counts(machine):
    """`make serve`/`make build` (no --browser): Chromium and npm are not their business."""
    machine.root(False)
    result = machine.run(SETUP_SYSTEM)
    assert result.returncode == 0, result.stderr
    assert machine.calls() == []


def test_python_without_its_venv_module_gets_it_from_apt(machine):
    (machine.venv / "bin/pip").unlink()
    python = machine.executable(machine.tmp / "python3", """case $2 in
        *ensurepip*) exit 1 ;;  # Debian's python3.X without python3.X-venv
        *) echo 3.11 ;;
      esac""")
    result = machine.run(SETUP_SYSTEM, PYTHON=str(python))
    assert result.returncode == 0, result.stderr
    assert machine.calls()[-1] == "apt-get -qq install -y python3.11-venv DEBIAN_FRONTEND=noninteractive"


def test_a_failing_apt_get_stops_with_the_command(machine):
    machine.install("npm", "axe")
    result = machine.run(SETUP_SYSTEM, "--browser", APT_STATUS="100")
    assert result.returncode == 1
    assert "apt-get failed" in result.stderr
    assert "`sudo apt-get install -y chromium`" in result.stderr
    assert SKIP_HINT in result.stderr


def test_no_apt_get_names_what_is_missing(machine):
    (machine.bin / "apt-get").unlink()
    machine.install("npm", "axe")
    result = machine.run(SETUP_SYSTEM, "--browser")
    assert result.returncode == 1
    assert "missing Chromium for the browser tests. Install" in result.stderr
    assert "NUTSHELL_CHROMIUM" in result.stderr


# ── tools/torch-index ─────────────────────────────────────────────────────────

NO_GPU_HERE = pytest.mark.skipif(Path("/proc/driver/nvidia").exists(), reason="an NVIDIA driver is loaded")


@pytest.fixture
def torch_machine(machine) -> Machine:
    """Linux, no nvidia-smi; `python -m pip` answers the dry run with $PIP_STATUS (1: not there locally)."""
    machine.stub("uname", 'echo "${FAKE_UNAME:-Linux}"')
    pip = machine.logging("python", 'exit "${PIP_STATUS:-1}"')
    machine.executable(machine.python, pip)
    return machine


def torch_index(machine: Machine, index: str, **env: str) -> subprocess.CompletedProcess:
    result = machine.run(TORCH_INDEX, str(machine.python), "torch==2.13.0", index, **env)
    assert result.returncode == 0, result.stderr
    return result


@NO_GPU_HERE
def test_torch_without_gpu_and_no_local_wheel_takes_the_cpu_index(torch_machine):
    result = torch_index(torch_machine, "auto")
    assert result.stdout == f"--index-url {CPU_INDEX}\n"
    assert "no NVIDIA GPU" in result.stderr
    assert torch_machine.calls() == [
        "python -m pip install --dry-run --quiet --no-deps --no-index torch==2.13.0",
    ]


@NO_GPU_HERE
def test_torch_without_gpu_but_available_locally_keeps_pips_own_index(torch_machine):
    result = torch_index(torch_machine, "auto", PIP_STATUS="0")
    assert (result.stdout, result.stderr) == ("", "")


def test_torch_with_an_nvidia_gpu_keeps_pips_own_index(torch_machine):
    torch_machine.stub("nvidia-smi")
    result = torch_index(torch_machine, "auto")
    assert result.stdout == ""
    assert torch_machine.calls() == []  # neither pip nor nvidia-smi asked


def test_torch_on_macos_keeps_pips_own_index(torch_machine):
    result = torch_index(torch_machine, "auto", FAKE_UNAME="Darwin")
    assert result.stdout == ""
    assert torch_machine.calls() == []


@pytest.mark.parametrize("index, expected", [
    ("", ""),
    ("https://example.org/simple", "--index-url https://example.org/simple\n"),
])
def test_torch_index_given_is_taken_as_is(torch_machine, index, expected):
    result = torch_index(torch_machine, index)
    assert result.stdout == expected
    assert torch_machine.calls() == []


# ── the Makefile ──────────────────────────────────────────────────────────────


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_test_checks_the_system_before_anything_else():
    result = subprocess.run(["make", "-n", "--no-print-directory", "test", "PYTEST_ARGS=-m 'not browser'"],
                            cwd=ROOT, capture_output=True, text=True, timeout=30,
                            env={**os.environ, "MAKEFLAGS": ""})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "tools/setup-system --vega --browser -m 'not browser'" in lines[0]  # Vega is needed to build, always
    assert lines[-1].endswith("-m pytest -m 'not browser'")
