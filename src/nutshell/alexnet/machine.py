"""Where a training step runs, and how: the device, bf16 autocast, channels-last tensors, torch.compile.

One home for these choices, shared by the training loop and the benchmark: on CUDA each defaults to
what is fastest there (bf16, NHWC, cuDNN's autotuner); on the CPU to plain fp32.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from nutshell.alexnet.config import ConfigError


def pick_device(name: str) -> torch.device:
    """``auto``: CUDA when present, else the CPU; ``cuda`` without a visible GPU is a ConfigError."""
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise ConfigError("--device cuda: no CUDA device is visible (use --device cpu)")
        return torch.device("cuda")
    return torch.device("cpu")


def use_bf16(amp: str, device: torch.device) -> bool:
    """``--amp``: ``bf16``, ``off``, or ``auto`` (bf16 on CUDA)."""
    return amp == "bf16" or (amp == "auto" and device.type == "cuda")


def use_channels_last(setting: str, device: torch.device) -> bool:
    """``--channels-last``: ``on``, ``off``, or ``auto`` (on for CUDA)."""
    return setting == "on" or (setting == "auto" and device.type == "cuda")


def prepare(device: torch.device) -> None:
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input sizes: let cuDNN pick the fastest kernels


def place_model(model: nn.Module, device: torch.device, channels_last: bool) -> nn.Module:
    model = model.to(device)
    return model.to(memory_format=torch.channels_last) if channels_last else model


def place_batch(x: torch.Tensor, channels_last: bool) -> torch.Tensor:
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def autocast(device: torch.device, bf16: bool):
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)


def synchronize(device: torch.device) -> None:
    """Wait for the GPU's queued work, so a clock read next measures it (nothing to wait for on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def compile_model(model: nn.Module, enabled: bool, backend: str | None = None) -> nn.Module:
    """``torch.compile`` when asked (``backend`` lets tests use the quick "eager" backend)."""
    if not enabled:
        return model
    return torch.compile(model, backend=backend) if backend else torch.compile(model)


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """PyTorch's CPU threads set to ``threads`` inside the block (None: left alone), as before after it."""
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
