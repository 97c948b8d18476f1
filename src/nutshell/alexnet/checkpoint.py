"""Checkpoint files: written whole or not at all, checksummed, and checked before a run resumes from one.

A checkpoint is the zip archive torch.save writes, followed by a SHA-256 of every byte before it, kept
in the archive's comment field at the very end of the file. torch.load still reads the file as it is;
load_checkpoint checks the digest before it unpickles anything. The digest covers the archive's
end record too (whose last field is the comment's length), so a byte changed anywhere in the file
either fails the digest or removes it. torch.load alone checks nothing: its zip reader ignores the
CRCs, and one flipped byte in a tensor's data loads as a different weight.

What the file holds is a :class:`~nutshell.alexnet.state.TrainState`'s entries and its format number.
``--resume`` refuses, in one line, a file whose bytes changed, whose entries are missing or mistyped,
or whose weights do not fit the model the run's settings build; the line says what to do instead.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import struct
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nutshell.alexnet.config import ConfigError, TrainConfig
from nutshell.alexnet.state import STATE_LAYOUT, new_partial
from nutshell.files import write_atomically

CHECKPOINT_NAME = "checkpoint.pt"
CHECKPOINT_FORMAT = 2  # 2: a SHA-256 of the file in its zip comment
# Settings a resumed run must share with the checkpoint, or it would be a different experiment.
RESUME_MUST_MATCH = (
    "model",
    "two_tower",
    "init",
    "data",
    "image_size",
    "crop",
    "flip",
    "pca_noise",
    "batch_size",
    "lr",
    "momentum",
    "weight_decay",
    "lr_factor",
    "patience",
    "seed",
    "max_train_batches",
)

CHECKSUM_PREFIX = b"nutshell-checkpoint sha256="
CHECKSUM_TRAILER_SIZE = len(CHECKSUM_PREFIX) + 64  # the prefix and 64 hexadecimal digits
_ZIP_END = b"PK\x05\x06"  # the end-of-central-directory record: 22 bytes, the last two the comment's length
_ZIP_END_SIZE = 22
START_AGAIN = "start again with --overwrite instead of --resume"


def checkpoint_to_resume(cfg: TrainConfig, world: int) -> tuple[Path | None, dict | None]:
    """Where this run keeps its checkpoint (None: nowhere) and, with ``--resume``, the checked state
    saved there. Refuses to resume without a checkpoint, and to start over one without ``--overwrite``."""
    path = Path(cfg.out) / CHECKPOINT_NAME if (cfg.out and cfg.checkpoint) else None
    if cfg.resume:
        if path is None or not path.exists():
            raise ConfigError(f"--resume: no checkpoint at {path or '(no --out directory)'}")
        saved = load_checkpoint(path)
        check_resumable(cfg, saved, world, path)
        return path, saved
    if path is not None and path.exists() and not cfg.overwrite:
        raise ConfigError(
            f"{path} exists: add --resume to continue it, --overwrite to start again, "
            "or choose another --out"
        )
    return path, None


def save_checkpoint(entries: dict, path: Path) -> None:
    """A TrainState's entries (state.state_entries), with the format number, saved at ``path``."""
    save_atomic({"format": CHECKPOINT_FORMAT, **entries}, path)


def save_atomic(obj, path: Path) -> None:
    """torch.save into a temporary file beside ``path``, add its checksum, then rename: readers never
    see half a file, and load_checkpoint notices any byte that changes afterwards."""

    def save_with_checksum(f) -> None:
        torch.save(obj, f)
        f.flush()
        f.seek(-_ZIP_END_SIZE, os.SEEK_END)
        end = f.read(_ZIP_END_SIZE)
        if not (end.startswith(_ZIP_END) and end.endswith(b"\0\0")):
            raise OSError(f"{path}: torch.save did not end the file with a zip end record")
        f.seek(-2, os.SEEK_END)
        f.write(struct.pack("<H", CHECKSUM_TRAILER_SIZE))  # the comment that follows
        f.seek(0)
        digest = hashlib.sha256()
        while chunk := f.read(1 << 20):
            digest.update(chunk)
        f.seek(0, os.SEEK_END)
        f.write(CHECKSUM_PREFIX + digest.hexdigest().encode("ascii"))

    write_atomically(path, save_with_checksum)


def _refusal(path, problem: str, remedy: str = START_AGAIN) -> ConfigError:
    """The one line every unusable checkpoint gets: ``--resume: <path>: <problem> (<remedy>)``."""
    return ConfigError(f"--resume: {path}: {problem} ({remedy})")


def load_checkpoint(path: Path) -> dict:
    """The state saved at ``path``, once its checksum and layout are checked; ConfigError if not."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise _refusal(path, f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    if not data:
        raise _refusal(path, "the file is empty")
    trailer = data[-CHECKSUM_TRAILER_SIZE:]
    if len(data) <= CHECKSUM_TRAILER_SIZE or not trailer.startswith(CHECKSUM_PREFIX):
        if data.startswith(b"PK\x03\x04"):  # a zip, as torch.save writes, without our digest at its end
            problem = (
                "no checksum at the end of the file: it is truncated, or older than checksummed checkpoints"
            )
        else:
            problem = "not an AlexNet checkpoint: no checksum at the end of the file"
        raise _refusal(path, problem)
    digest = hashlib.sha256(data[:-CHECKSUM_TRAILER_SIZE]).hexdigest().encode("ascii")
    if digest != trailer[len(CHECKSUM_PREFIX) :]:
        raise _refusal(
            path,
            "checksum mismatch: the file has changed since it was written",
            "restore an intact copy, or " + START_AGAIN,
        )
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # the digest holds, yet torch cannot read it: not written by this code
        # (torch's own message suggests weights_only=False: never for a file we cannot read)
        raise _refusal(path, f"not a readable checkpoint: torch.load raised {type(exc).__name__}") from None
    check_checkpoint_layout(path, state)
    return state


# What each entry of a checkpoint holds: its format number, then a TrainState's entries.
CHECKPOINT_LAYOUT = {"format": int, **STATE_LAYOUT}
_KIND_NAMES = {
    int: "an integer",
    float: "a number",
    str: "a string",
    dict: "a dict",
    list: "a list",
    torch.Tensor: "a tensor",
}


def _is_kind(value, kind) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, kind)


def _need(path, where: str, value, kind, minimum: int | None = None) -> None:
    if not _is_kind(value, kind):
        raise _refusal(path, f"{where} should be {_KIND_NAMES[kind]}, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise _refusal(path, f"{where} should be at least {minimum}, not {value}")


def _entry(path, where: str, mapping: dict, key, kind, minimum: int | None = None):
    if key not in mapping:
        raise _refusal(path, f"{where} has no {key!r} entry")
    _need(path, f"{where}[{key!r}]", mapping[key], kind, minimum)
    return mapping[key]


# Each generator's state is tried on a throwaway generator of its kind: what they accept, resume can use.
_RNG_TRIALS = {
    "python": lambda s: random.Random().setstate(s),
    "numpy": lambda s: np.random.RandomState().set_state((s[0], s[1].numpy().view(np.uint32), *s[2:])),
    "torch": lambda s: torch.Generator().set_state(s),
    "augment": lambda s: torch.Generator().set_state(s),
}


def check_checkpoint_layout(path, state) -> None:
    """Every entry a resume uses is there and of the right type; the random states can be restored.

    What depends on the run (settings, weights' names and shapes) is checked later, against the model
    (check_resumable, check_model_state)."""
    if not isinstance(state, dict):
        raise _refusal(path, f"not an AlexNet checkpoint: it holds a {type(state).__name__}, not a dict")
    if _is_kind(state.get("format"), int) and state["format"] != CHECKPOINT_FORMAT:
        raise _refusal(
            path, f"written in checkpoint format {state['format']}, this version reads {CHECKPOINT_FORMAT}"
        )
    for key, kind in CHECKPOINT_LAYOUT.items():
        if key not in state:
            raise _refusal(path, f"the checkpoint has no {key!r} entry")
        _need(path, f"{key!r}", state[key], kind)
    for key in ("epoch", "step", "train_images"):
        _need(path, f"{key!r}", state[key], int, minimum=0)
    _need(path, "'world_size'", state["world_size"], int, minimum=1)
    for i, name in enumerate(state["classes"]):
        _need(path, f"'classes'[{i}]", name, str)
    for name, tensor in state["model"].items():
        _need(path, f"'model'[{name!r}]", tensor, torch.Tensor)
    for i, group in enumerate(_entry(path, "'optimizer'", state["optimizer"], "param_groups", list)):
        _need(path, f"'optimizer' group {i}", group, dict)
        _entry(path, f"'optimizer' group {i}", group, "lr", float)
        for index in _entry(path, f"'optimizer' group {i}", group, "params", list):
            _need(path, f"'optimizer' group {i} parameter", index, int)
    for index, entry in _entry(path, "'optimizer'", state["optimizer"], "state", dict).items():
        _need(path, f"'optimizer' state of parameter {index!r}", entry, dict)
    for key, kind in (("best", float), ("num_bad_epochs", int), ("cooldown_counter", int)):
        _entry(path, "'scheduler'", state["scheduler"], key, kind)
    for key in new_partial():
        _entry(path, "'partial'", state["partial"], key, float)
    for i, entry in enumerate(state["history"]):
        _need(path, f"'history'[{i}]", entry, dict)
        for key in ("epoch", "val_accuracy"):
            _entry(path, f"'history'[{i}]", entry, key, float)
    if len(state["rng"]) != state["world_size"]:
        raise _refusal(
            path,
            f"'rng' holds {len(state['rng'])} generator states for {state['world_size']} process(es)",
        )
    for rank, rng in enumerate(state["rng"]):
        where = f"'rng'[{rank}]"
        _need(path, where, rng, dict)
        for key, trial in _RNG_TRIALS.items():
            if key not in rng:
                raise _refusal(path, f"{where} has no {key!r} entry")
            try:
                trial(rng[key])
            except Exception as exc:  # whatever the generator objects to
                raise _refusal(
                    path,
                    f"{where}[{key!r}] is not a usable generator state: restoring it raised "
                    f"{type(exc).__name__}",
                ) from None
        if "cuda" in rng:
            cuda = rng["cuda"]
            if not (isinstance(cuda, torch.Tensor) and cuda.dtype == torch.uint8 and cuda.dim() == 1):
                raise _refusal(
                    path, f"{where}['cuda'] is not a usable generator state: not a 1-d byte tensor"
                )


def check_resumable(cfg: TrainConfig, state: dict, world: int, path: Path | str = CHECKPOINT_NAME) -> None:
    saved = state["config"]
    differ = [k for k in RESUME_MUST_MATCH if saved.get(k) != getattr(cfg, k)]
    if differ:
        pairs = ", ".join(f"{k}: {saved.get(k)!r} → {getattr(cfg, k)!r}" for k in differ)
        raise _refusal(
            path,
            f"settings differ from the checkpoint's: {pairs}",
            "resume with the checkpoint's settings, or " + START_AGAIN,
        )
    if state["world_size"] != world:
        raise _refusal(
            path,
            f"written by {state['world_size']} process(es), this run has {world}",
            f"resume with {state['world_size']} process(es), or " + START_AGAIN,
        )


def _shape(tensor: torch.Tensor) -> str:
    return "×".join(str(n) for n in tensor.shape) if tensor.dim() else "a scalar"


def check_model_state(path, state: dict, model: nn.Module, optimizer: torch.optim.Optimizer, classes) -> None:
    """The checkpoint fits the model built from this run's settings: same classes, the same weights'
    names, shapes and types, and optimizer state for exactly these parameters. Before any is loaded."""
    saved_classes, classes = state["classes"], list(classes)
    if saved_classes != classes:
        if len(saved_classes) != len(classes):
            problem = f"the checkpoint has {len(saved_classes)} classes, the data {len(classes)}"
        else:
            i = next(i for i, (a, b) in enumerate(zip(saved_classes, classes)) if a != b)
            problem = f"class {i} is {saved_classes[i]!r} in the checkpoint, {classes[i]!r} in the data"
        raise _refusal(path, problem, "resume with the data it was trained on, or " + START_AGAIN)
    saved, expected = state["model"], model.state_dict()
    for name, tensor in expected.items():
        if name not in saved:
            raise _refusal(
                path, f"the weights lack {name!r}, which this model has: they belong to another network"
            )
        theirs = saved[name]
        if theirs.shape != tensor.shape:
            raise _refusal(
                path,
                f"{name!r} is {_shape(theirs)} in the checkpoint but {_shape(tensor)} in this model: "
                "the weights belong to another network",
            )
        if theirs.dtype != tensor.dtype:
            raise _refusal(
                path, f"{name!r} is {theirs.dtype} in the checkpoint but {tensor.dtype} in this model"
            )
    extra = [name for name in saved if name not in expected]
    if extra:
        raise _refusal(
            path, f"the weights have {extra[0]!r}, which this model lacks: they belong to another network"
        )

    names = {id(p): n for n, p in model.named_parameters()}
    saved_groups = state["optimizer"]["param_groups"]
    if len(saved_groups) != len(optimizer.param_groups):
        raise _refusal(
            path,
            f"the optimizer state has {len(saved_groups)} parameter group(s), this run's optimizer "
            f"{len(optimizer.param_groups)}",
        )
    params = {}
    for i, (theirs, ours) in enumerate(zip(saved_groups, optimizer.param_groups)):
        if len(theirs["params"]) != len(ours["params"]):
            raise _refusal(
                path,
                f"optimizer group {i} holds {len(theirs['params'])} parameters in the checkpoint, "
                f"{len(ours['params'])} in this run",
            )
        params.update(zip(theirs["params"], ours["params"]))
    for index, entry in state["optimizer"]["state"].items():
        if index not in params:
            raise _refusal(
                path, f"the optimizer state has an entry for parameter {index!r}, which no group holds"
            )
        param = params[index]
        for key, value in entry.items():
            if isinstance(value, torch.Tensor) and value.dim() and value.shape != param.shape:
                raise _refusal(
                    path,
                    f"the optimizer's {key!r} for {names.get(id(param), index)!r} is {_shape(value)} "
                    f"in the checkpoint but the parameter is {_shape(param)}",
                )
