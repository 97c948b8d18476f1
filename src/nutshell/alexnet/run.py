"""A training run's parts, made from its settings: data, model, optimizer, schedule, loaders and the
:class:`~nutshell.alexnet.state.TrainState` a checkpoint holds, resumed from the last one when asked.
"""

from __future__ import annotations

import dataclasses
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from nutshell.alexnet.checkpoint import check_model_state, checkpoint_to_resume
from nutshell.alexnet.config import ConfigError, Settings, TrainConfig
from nutshell.alexnet.data import BatchTransform, Splits, load_splits, make_transform
from nutshell.alexnet.distributed import ResumableSampler, Runtime, ShardSampler
from nutshell.alexnet.machine import compile_model, place_model, prepare, use_bf16, use_channels_last
from nutshell.alexnet.progress import Printer
from nutshell.alexnet.recipe import plateau_schedule, sgd
from nutshell.alexnet.state import Generators, TrainState, WallClock, restore_state
from nutshell.nets.alexnet import (
    AlexNet,
    AlexNetConfig,
    count_parameters,
    feature_map_sizes,
    paper_config,
    scaled_config,
)


@dataclass
class Run:
    """What a training run works with: made by :func:`set_up`, used by every step after it."""

    cfg: TrainConfig
    settings: Settings
    rt: Runtime
    say: Printer
    started: float  # time.perf_counter() when train() was called
    checkpoint_path: Path | None
    bf16: bool
    channels_last: bool
    splits: Splits
    arch: AlexNetConfig
    transform: BatchTransform
    state: TrainState
    model: nn.Module = None  # what trains: the state's model, wrapped in DDP and/or compiled
    eval_model: nn.Module = None  # what evaluates: the same weights, without DDP
    sampler: ResumableSampler = None
    train_loader: DataLoader = None
    eval_loaders: dict[str, DataLoader] = field(default_factory=dict)
    resumed_from: dict | None = None
    steps_this_run: int = 0


def set_up(cfg: TrainConfig, settings: Settings, rt: Runtime, started: float) -> Run:
    """Data, model, optimizer and loaders as ``cfg`` says; with ``resume``, the state saved last."""
    if cfg.batch_size % rt.world:
        raise ConfigError(f"--batch-size {cfg.batch_size} does not split evenly over {rt.world} processes")
    prepare(rt.device)
    checkpoint_path, saved = checkpoint_to_resume(cfg, rt.world)

    # Same seed everywhere for the data split and the initial weights (DDP also broadcasts rank 0's).
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    splits = load_splits(cfg, settings)
    arch = model_config(cfg, settings, splits)
    raw = AlexNet(arch)
    # From here on, each process draws its own dropout masks and augmentations.
    torch.manual_seed(cfg.seed + 1_000_003 * rt.rank)
    augment = torch.Generator().manual_seed(cfg.seed * 7919 + rt.rank + 1)

    # The model on its device, and the paper's optimizer and schedule: the state a checkpoint holds.
    channels_last = use_channels_last(cfg.channels_last, rt.device)
    raw = place_model(raw, rt.device, channels_last)
    optimizer = sgd(raw.parameters(), cfg.lr, cfg.momentum, cfg.weight_decay)
    state = TrainState(
        config=cfg.as_dict(),
        arch=dataclasses.asdict(arch),
        classes=splits.classes,
        world_size=rt.world,
        model=raw,
        optimizer=optimizer,
        scheduler=plateau_schedule(optimizer, cfg.lr_factor, cfg.patience),
        rng=Generators(augment, rt.device),
        wall_time_s=WallClock(started),
    )
    run = Run(
        cfg=cfg,
        settings=settings,
        rt=rt,
        say=Printer(rt),
        started=started,
        checkpoint_path=checkpoint_path,
        bf16=use_bf16(cfg.amp, rt.device),
        channels_last=channels_last,
        splits=splits,
        arch=arch,
        transform=make_transform(settings, splits, arch),
        state=state,
    )
    run.sampler, run.train_loader, run.eval_loaders = make_loaders(run)
    run.model, run.eval_model = wrap_model(run)

    # Carry on from the checkpoint, once it is known to fit this model.
    if saved is not None:
        check_model_state(checkpoint_path, saved, raw, optimizer, splits.classes)
        restore_state(state, saved, rt.rank)
        run.resumed_from = {"epoch": state.epoch, "step": state.step}
        run.say(f"resuming {checkpoint_path} at epoch {state.epoch + 1}, step {state.step}")
    if rt.main and not cfg.quiet:
        run.say(describe(run))
    return run


def model_config(cfg: TrainConfig, settings: Settings, splits: Splits) -> AlexNetConfig:
    classes = len(splits.classes)
    if cfg.model == "paper":
        config = paper_config(classes, settings.crop, cfg.two_tower).replace(init=settings.init)
    else:
        config = scaled_config(classes, splits.channels, settings.crop, cfg.two_tower, settings.init)
    try:
        feature_map_sizes(config)
    except ValueError as exc:
        raise ConfigError(f"--crop {settings.crop}: {exc}") from None
    return config


def make_loaders(run: Run) -> tuple[ResumableSampler, DataLoader, dict[str, DataLoader]]:
    """Each process's share of every batch: shuffled for training, every image once for evaluation."""
    cfg, rt, splits = run.cfg, run.rt, run.splits
    per_rank = cfg.batch_size // rt.world
    cuda = rt.device.type == "cuda"
    workers = cfg.workers
    if workers is None:  # in-memory digits need none; image files share the cores among local processes
        cores = (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
        workers = 0 if run.settings.digits else max(1, min(8 if cuda else 2, cores))
    loader_args = {"num_workers": workers, "pin_memory": cuda, "persistent_workers": workers > 0}
    sampler = ResumableSampler(splits.train, rt.world, rt.rank, cfg.seed)
    train_loader = DataLoader(
        splits.train,
        batch_size=per_rank,
        sampler=sampler,
        generator=torch.Generator().manual_seed(cfg.seed),
        **loader_args,
    )
    eval_loaders = {
        name: DataLoader(
            ds,
            batch_size=per_rank,
            sampler=ShardSampler(len(ds), rt.rank, rt.world),
            generator=torch.Generator().manual_seed(cfg.seed),
            **loader_args,
        )
        for name, ds in (("val", splits.val), ("test", splits.test))
        if ds is not None
    }
    return sampler, train_loader, eval_loaders


def wrap_model(run: Run) -> tuple[nn.Module, nn.Module]:
    """The model to train (DDP around it under torchrun, compiled if asked) and the one to evaluate."""
    raw, rt = run.state.model, run.rt
    model: nn.Module = raw
    if rt.distributed:
        cuda = rt.device.type == "cuda"
        model = nn.parallel.DistributedDataParallel(raw, device_ids=[rt.device.index] if cuda else None)
    model = compile_model(model, run.cfg.compile)
    return model, compile_model(raw, run.cfg.compile) if rt.distributed else model


def describe(run: Run) -> str:
    arch, splits, rt = run.arch, run.splits, run.rt
    return (
        f"{arch.name}: {count_parameters(run.state.model):,} parameters, "
        f"{arch.input_size}×{arch.input_size} crops; "
        f"data: {splits.source} ({len(splits.train)} train / {len(splits.val)} val images); "
        f"device: {rt.device}{f' ×{rt.world}' if rt.distributed else ''}, "
        f"{'bf16' if run.bf16 else 'fp32'}{', channels-last' if run.channels_last else ''}"
        f"{', compiled' if run.cfg.compile else ''}"
    )
