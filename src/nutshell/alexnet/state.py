"""Everything a checkpoint holds, as one dataclass: :class:`TrainState`.

:func:`state_entries` turns a state into a checkpoint's entries and :func:`restore_state` puts them
back; both walk the fields, so no entry is named twice. A field's metadata says what kind of value its
entry is (checked before a resume, see :mod:`nutshell.alexnet.checkpoint`), whether resuming restores
it or only checks it, and whether each process has its own. A field whose value has ``state_dict``
(the model, the optimizer, the schedule, the generators, the clock) is saved through it and restored
through ``load_state_dict``; any other value is saved and restored as it is.
"""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from nutshell.alexnet.distributed import Runtime, gather


def _entry(kind: type, *, restored: bool = True, per_process: bool = False, **default):
    return field(metadata={"kind": kind, "restored": restored, "per_process": per_process}, **default)


def new_partial() -> dict:
    """Sums over the finished batches of the epoch under way: what its history entry is made from."""
    return {"loss": 0.0, "correct": 0.0, "count": 0.0, "seconds": 0.0}


@dataclass(kw_only=True)
class TrainState:
    """A training run at a step boundary: enough to carry on with the same bits as if it never stopped.

    The fields' order is the order of the checkpoint's entries."""

    # Which run this is: checked against the run that resumes it, never restored.
    config: dict = _entry(dict, restored=False)  # TrainConfig.as_dict()
    arch: dict = _entry(dict, restored=False)  # the AlexNetConfig, as a dict
    classes: list = _entry(list, restored=False)
    # What it has learnt.
    model: nn.Module = _entry(dict)
    optimizer: torch.optim.Optimizer = _entry(dict)
    scheduler: torch.optim.lr_scheduler.ReduceLROnPlateau = _entry(dict)
    # Where it is.
    epoch: int = _entry(int, default=0)  # epochs finished
    step: int = _entry(int, default=0)  # batches finished in the epoch under way
    history: list = _entry(list, default_factory=list)  # one dict per finished epoch
    partial: dict = _entry(dict, default_factory=new_partial)
    rng: Generators = _entry(list, per_process=True)
    world_size: int = _entry(int, restored=False)
    # What it has cost.
    train_seconds: float = _entry(float, default=0.0)
    train_images: int = _entry(int, default=0)
    wall_time_s: WallClock = _entry(float)


# What each entry of a saved state holds, in order; ``float`` accepts any number, ``int`` no bools.
STATE_LAYOUT = {f.name: f.metadata["kind"] for f in dataclasses.fields(TrainState)}


def state_entries(state: TrainState, rt: Runtime) -> dict:
    """``state`` as a checkpoint stores it. Every process must call this: per-process entries (the
    generators) are gathered from all of them."""
    entries = {}
    for f in dataclasses.fields(state):
        value = getattr(state, f.name)
        if hasattr(value, "state_dict"):
            value = value.state_dict()
        entries[f.name] = gather(rt, value) if f.metadata["per_process"] else value
    return entries


def restore_state(state: TrainState, entries: dict, rank: int) -> None:
    """Put a checkpoint's entries back into ``state`` (process ``rank``'s own, where each has one)."""
    for f in dataclasses.fields(state):
        if not f.metadata["restored"]:
            continue
        value = entries[f.name][rank] if f.metadata["per_process"] else entries[f.name]
        current = getattr(state, f.name)
        if hasattr(current, "load_state_dict"):
            current.load_state_dict(value)
        else:
            setattr(state, f.name, value)


class Generators:
    """Every random number generator one process draws from: Python's, NumPy's, torch's (and CUDA's),
    and the one the augmentation draws crops, flips and colour noise from."""

    def __init__(self, augment: torch.Generator, device: torch.device):
        self.augment, self.device = augment, device

    def state_dict(self) -> dict:
        """Their states, as uint8 tensors and plain numbers."""
        name, keys, pos, has_gauss, cached = np.random.get_state()
        state = {
            "python": random.getstate(),
            "numpy": (
                name,
                torch.from_numpy(keys.astype(np.uint32).view(np.uint8).copy()),
                pos,
                has_gauss,
                cached,
            ),
            "torch": torch.get_rng_state(),
            "augment": self.augment.get_state(),
        }
        if self.device.type == "cuda":
            state["cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def load_state_dict(self, state: dict) -> None:
        random.setstate(state["python"])
        name, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((name, keys.numpy().view(np.uint32), pos, has_gauss, cached))
        torch.set_rng_state(state["torch"])
        self.augment.set_state(state["augment"])
        if self.device.type == "cuda" and "cuda" in state:
            torch.cuda.set_rng_state(state["cuda"], self.device)


class WallClock:
    """Seconds of wall time since a run started, plus those of the runs it resumes."""

    def __init__(self, started: float):
        self.started, self.before = started, 0.0

    def seconds(self) -> float:
        return self.before + time.perf_counter() - self.started

    def state_dict(self) -> float:
        return self.seconds()

    def load_state_dict(self, seconds: float) -> None:
        self.before = seconds
