"""Several processes under ``torchrun``: joining and leaving the group, what the processes share, and
how they split the data.

Outside ``torchrun`` (no ``WORLD_SIZE`` above 1) everything here is a no-op for one process, so the
training loop reads the same either way.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.utils.data import DistributedSampler, Sampler


@dataclass
class Runtime:
    """This process's place among the others."""

    device: torch.device
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    owns_process_group: bool = False
    control: object = None  # a gloo group on the CPU for stop flags: no GPU synchronisation per step

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1


@contextmanager
def process_group(device: torch.device) -> Iterator[Runtime]:
    """Join torchrun's processes (each on its own GPU when ``device`` is CUDA); leave them together."""
    rt = _join(device)
    try:
        yield rt
    finally:
        _leave(rt)


def _join(device: torch.device) -> Runtime:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Runtime(device)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    owns = False
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        owns = True
    control = dist.new_group(backend="gloo") if device.type == "cuda" else None
    return Runtime(device, dist.get_rank(), dist.get_world_size(), local_rank, owns, control)


def _leave(rt: Runtime) -> None:
    if not (rt.owns_process_group and dist.is_initialized()):
        return
    # Tear down together: a rank that destroys its gloo pairs while the other still uses them
    # can abort the other with "terminate called without an active exception" (seen under load).
    try:
        if dist.get_backend() == "gloo":  # bounded wait: a dead peer must not hang this one
            dist.monitored_barrier(timeout=datetime.timedelta(seconds=60))
        else:
            dist.barrier()
    except Exception:  # a peer already died; its own error is the one to report
        pass
    dist.destroy_process_group()


# -- what the processes share ----------------------------------------------------------------------------


def all_sum(rt: Runtime, values: torch.Tensor) -> torch.Tensor:
    """``values`` summed over every process, in place."""
    if rt.distributed:
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


def shared_max(rt: Runtime, value: int) -> int:
    """The largest ``value`` over all processes (the signal one of them received, say)."""
    if not rt.distributed:
        return value
    flag = torch.tensor([float(value)])  # CPU tensor, over the gloo group
    dist.all_reduce(flag, op=dist.ReduceOp.MAX, group=rt.control)
    return int(flag.item())


def any_process(rt: Runtime, local: bool) -> bool:
    """True when any process says so, so that all of them leave the loop at the same step."""
    return shared_max(rt, 1 if local else 0) > 0


def gather(rt: Runtime, obj) -> list:
    """``obj`` from every process, in rank order. Its tensors must hold bytes (uint8), as generator
    states do: they travel as raw bytes and come back as uint8 tensors."""
    shipped = _to_bytes(obj)
    if rt.distributed:
        everyone = [None] * rt.world
        dist.all_gather_object(everyone, shipped)
    else:
        everyone = [shipped]
    return [_from_bytes(o) for o in everyone]


def _to_bytes(obj):
    # all_gather_object cannot unpickle tensors in this torch build: ship their bytes instead
    if isinstance(obj, torch.Tensor):
        return ("tensor-bytes", obj.cpu().contiguous().numpy().tobytes())
    if isinstance(obj, dict):
        return {k: _to_bytes(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(_to_bytes(v) for v in obj)
    return obj


def _from_bytes(obj):
    if isinstance(obj, tuple) and len(obj) == 2 and obj[0] == "tensor-bytes":
        return torch.frombuffer(bytearray(obj[1]), dtype=torch.uint8).clone()
    if isinstance(obj, dict):
        return {k: _from_bytes(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(_from_bytes(v) for v in obj)
    return obj


# -- how they split the data -----------------------------------------------------------------------------


class ResumableSampler(DistributedSampler):
    """DistributedSampler (shuffled by seed and epoch) that can start part-way into an epoch."""

    def __init__(self, dataset, num_replicas: int, rank: int, seed: int):
        super().__init__(
            dataset, num_replicas=num_replicas, rank=rank, shuffle=True, seed=seed, drop_last=False
        )
        self.start = 0

    def __iter__(self):
        return iter(list(super().__iter__())[self.start :])

    def __len__(self) -> int:
        return self.num_samples - self.start


class ShardSampler(Sampler):
    """Every ``world``-th index from ``rank``: each evaluation image is seen exactly once overall."""

    def __init__(self, size: int, rank: int, world: int):
        self.indices = list(range(rank, size, world))

    def __iter__(self):
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)
