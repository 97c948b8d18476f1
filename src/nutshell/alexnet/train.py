"""Train AlexNet with the 2012 recipe, on one CPU, one GPU or many (``torchrun``).

The recipe: SGD with momentum 0.9 and weight decay 5e-4, batches of 128, learning rate 0.01 divided
by 10 whenever the validation error stops improving, random crops and mirror images, dropout 0.5.

Around it sits what a long run needs:

* **Devices.** CUDA when present, else the CPU. On CUDA: bf16 autocast, channels-last tensors,
  pinned memory and loader workers; ``compile=True`` wraps the model in ``torch.compile``.
* **Several GPUs.** Under ``torchrun --nproc_per_node=N`` each process trains a replica on its share
  of every batch (DistributedDataParallel + DistributedSampler); ``batch_size`` stays the global batch.
* **Checkpoints.** After every epoch, written to a temporary file and moved into place, so a crash
  never leaves half a checkpoint. A SHA-256 of the file travels inside it; ``resume`` refuses, in one
  line, a file whose bytes changed, whose entries are missing or mistyped, or whose weights do not fit
  the model the run's settings build. SIGINT and SIGTERM finish the current step, save, and exit.
  ``resume=True`` restores weights, optimizer, scheduler, every random number generator and the
  position inside the epoch: an interrupted run ends with the same bits as one that never stopped.
* **Records.** Each finished run writes a JSON record (:mod:`nutshell.alexnet.records`).

Run it as ``nutshell alexnet train``, ``python -m nutshell.alexnet.train`` or
``torchrun --nproc_per_node=2 -m nutshell.alexnet.train``; from Python, call :func:`train`.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import os
import random
import signal
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, Sampler

from nutshell.alexnet import PAPER_RECIPE, ConfigError, TrainConfig, records
from nutshell.alexnet.data import BatchTransform, Splits, digits_splits, image_folder_splits
from nutshell.nets.alexnet import (
    AlexNet,
    AlexNetConfig,
    Deviation,
    count_parameters,
    feature_map_sizes,
    paper_config,
    scaled_config,
)

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


# -- settings that depend on the data and the machine -------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """A TrainConfig's ``None``/``auto`` values filled in."""

    digits: bool
    image_size: int
    crop: int
    flip: bool
    pca_noise: float
    init: str


def resolve(cfg: TrainConfig) -> Settings:
    if cfg.model not in ("scaled", "paper"):
        raise ConfigError(f"--model {cfg.model!r}: use 'scaled' or 'paper'")
    paper = cfg.model == "paper"
    digits = cfg.data is None
    image_size = cfg.image_size or (256 if paper else 32)
    crop = cfg.crop or (227 if paper else 28)
    if crop > image_size:
        raise ConfigError(f"--crop {crop} is larger than --image-size {image_size}")
    init = cfg.init or ("paper" if paper else "kaiming")
    if init not in ("paper", "kaiming"):
        raise ConfigError(f"--init {init!r}: use 'paper' or 'kaiming'")
    flip = (not digits) if cfg.flip is None else cfg.flip
    pca_noise = (0.0 if digits else 0.1) if cfg.pca_noise is None else cfg.pca_noise
    return Settings(digits, image_size, crop, flip, pca_noise, init)


def check_config(cfg: TrainConfig) -> None:
    for name in ("epochs", "batch_size"):
        if getattr(cfg, name) < 1:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least 1 (got {getattr(cfg, name)})")
    if cfg.lr <= 0:
        raise ConfigError(f"--lr must be positive (got {cfg.lr})")
    for name, allowed in (
        ("device", ("auto", "cpu", "cuda")),
        ("amp", ("auto", "bf16", "off")),
        ("channels_last", ("auto", "on", "off")),
    ):
        if getattr(cfg, name) not in allowed:
            raise ConfigError(
                f"--{name.replace('_', '-')} {getattr(cfg, name)!r}: use one of {', '.join(allowed)}"
            )
    for name in ("max_train_batches", "max_eval_batches", "workers", "threads"):
        value = getattr(cfg, name)
        if value is not None and value < (0 if name == "workers" else 1):
            raise ConfigError(f"--{name.replace('_', '-')} must be positive (got {value})")


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


def recipe_deviations(cfg: TrainConfig) -> list[Deviation]:
    """How a training run differs from the paper's recipe (the model's own list is in nets.alexnet)."""
    s = resolve(cfg)
    found = []
    for name, paper_value in PAPER_RECIPE.items():
        value = getattr(cfg, name, paper_value)
        if value != paper_value:
            why = {
                "epochs": "a short run: the digits need a few epochs, ImageNet needed about 90",
                "batch_size": "smaller batches give more updates per epoch on a small data set",
            }.get(name, "changed on the command line")
            found.append(Deviation(name.replace("_", " "), str(paper_value), str(value), why))
    if s.digits:
        found.append(
            Deviation(
                "data",
                "ImageNet (ILSVRC-2010/2012): 1.2 M colour images, 1000 classes",
                "scikit-learn's 1,797 handwritten digits, 10 classes",
                "ships with the package: runs anywhere, no download",
            )
        )
    if s.digits and not s.flip:
        found.append(
            Deviation(
                "mirror images",
                "random horizontal flips",
                "no flips",
                "a mirrored 2, 3, 4, 5, 7 or 9 is not the same digit",
            )
        )
    if s.pca_noise == 0:
        found.append(
            Deviation(
                "colour noise",
                "PCA colour noise, N(0, 0.1)",
                "none",
                "greyscale images have no colour to shift" if s.digits else "switched off",
            )
        )
    found += [
        Deviation(
            "input normalisation",
            "mean image of the training set subtracted",
            "per-channel mean and std",
            "one statistic per channel works with any crop size",
        ),
        Deviation(
            "test-time crops",
            "average over 10 crops (corners, centre, mirrored)",
            "the centre crop only",
            "keeps evaluation one forward pass per image",
        ),
        Deviation(
            "learning-rate drops",
            "by hand, when validation error stopped improving (3 times)",
            f"ReduceLROnPlateau, ×{cfg.lr_factor} after {cfg.patience} epochs without improvement",
            "the paper does not say how long it waited",
        ),
        Deviation(
            "momentum",
            "v ← 0.9v − 0.0005·ε·w − ε·∂L/∂w; w ← w + v",
            "torch.optim.SGD: v ← 0.9v + ∂L/∂w + 0.0005·w; w ← w − ε·v",
            "the same steps while ε is constant; after a drop, PyTorch's velocity shrinks at once",
        ),
        Deviation(
            "hardware",
            "two GTX 580 GPUs, each holding one tower",
            "one device; the towers are grouped convolutions",
            "today one device holds the whole net",
        ),
    ]
    return found


# -- distributed -------------------------------------------------------------------------------------------


@dataclass
class Runtime:
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


def pick_device(name: str) -> torch.device:
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise ConfigError("--device cuda: no CUDA device is visible (use --device cpu)")
        return torch.device("cuda")
    return torch.device("cpu")


def start_runtime(cfg: TrainConfig) -> Runtime:
    device = pick_device(cfg.device)
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


def all_sum(rt: Runtime, values: torch.Tensor) -> torch.Tensor:
    if rt.distributed:
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


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


# -- signals -----------------------------------------------------------------------------------------------


class StopRequest:
    """Turns SIGINT/SIGTERM into a flag the loop checks after every step (main thread only)."""

    def __init__(self):
        self.signum: int | None = None
        self.previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self.handle)
        return self

    def handle(self, signum, frame):
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now, without saving
        self.signum = signum

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False


# -- random number generators ----------------------------------------------------------------------------


def rng_state(augment: torch.Generator, device: torch.device) -> dict:
    """Every generator this process draws from, as uint8 tensors and plain numbers."""
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
        "augment": augment.get_state(),
    }
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict, augment: torch.Generator, device: torch.device) -> None:
    random.setstate(state["python"])
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().view(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    augment.set_state(state["augment"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


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


def gather(rt: Runtime, obj):
    if not rt.distributed:
        return [obj]
    out = [None] * rt.world
    dist.all_gather_object(out, obj)
    return out


# -- checkpoints -------------------------------------------------------------------------------------------
#
# A checkpoint is the zip archive torch.save writes, followed by a SHA-256 of every byte before it, kept
# in the archive's comment field at the very end of the file. torch.load still reads the file as it is;
# load_checkpoint checks the digest before it unpickles anything. The digest covers the archive's
# end record too (whose last field is the comment's length), so a byte changed anywhere in the file
# either fails the digest or removes it. torch.load alone checks nothing: its zip reader ignores the
# CRCs, and one flipped byte in a tensor's data loads as a different weight.

CHECKSUM_PREFIX = b"nutshell-checkpoint sha256="
CHECKSUM_TRAILER_SIZE = len(CHECKSUM_PREFIX) + 64  # the prefix and 64 hexadecimal digits
_ZIP_END = b"PK\x05\x06"  # the end-of-central-directory record: 22 bytes, the last two the comment's length
_ZIP_END_SIZE = 22
START_AGAIN = "start again with --overwrite instead of --resume"


def save_atomic(obj, path: Path) -> None:
    """torch.save into a temporary file beside ``path``, add its checksum, then rename: readers never
    see half a file, and load_checkpoint notices any byte that changes afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w+b") as f:
            torch.save(obj, f)
            f.flush()
            f.seek(-_ZIP_END_SIZE, os.SEEK_END)
            end = f.read(_ZIP_END_SIZE)
            if not (end.startswith(_ZIP_END) and end.endswith(b"\0\0")):
                raise OSError(f"{tmp}: torch.save did not end the file with a zip end record")
            f.seek(-2, os.SEEK_END)
            f.write(struct.pack("<H", CHECKSUM_TRAILER_SIZE))  # the comment that follows
            f.seek(0)
            digest = hashlib.sha256()
            while chunk := f.read(1 << 20):
                digest.update(chunk)
            f.seek(0, os.SEEK_END)
            f.write(CHECKSUM_PREFIX + digest.hexdigest().encode("ascii"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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


# What each entry of a checkpoint holds; ``float`` accepts any number, ``int`` no bools.
CHECKPOINT_LAYOUT = {
    "format": int,
    "config": dict,
    "arch": dict,
    "classes": list,
    "model": dict,
    "optimizer": dict,
    "scheduler": dict,
    "epoch": int,
    "step": int,
    "history": list,
    "partial": dict,
    "rng": list,
    "world_size": int,
    "train_seconds": float,
    "train_images": int,
    "wall_time_s": float,
}
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
    for key in ("loss", "correct", "count", "seconds"):
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


# -- the loop ----------------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    config: TrainConfig
    model: AlexNet
    classes: list[str]
    history: list[dict]
    val_accuracy: float | None
    test_accuracy: float | None
    images_per_s: float | None
    wall_time_s: float
    stopped_by: str | None = None  # None (finished), "SIGINT", "SIGTERM", "time budget"
    exit_code: int = 0
    record: dict | None = None
    record_path: Path | None = None
    checkpoint_path: Path | None = None
    weights_sha256_by_rank: list[str] = field(default_factory=list)


def load_splits(cfg: TrainConfig, settings: Settings) -> Splits:
    if cfg.data is None:
        return digits_splits(seed=cfg.seed)
    return image_folder_splits(cfg.data, settings.image_size)


def weights_digest(model: nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def compile_model(model: nn.Module, enabled: bool, backend: str | None = None) -> nn.Module:
    """``torch.compile`` when asked (``backend`` lets tests use the quick "eager" backend)."""
    if not enabled:
        return model
    return torch.compile(model, backend=backend) if backend else torch.compile(model)


@torch.no_grad()
def evaluate(model, loader, transform, rt: Runtime, amp: bool, channels_last: bool, max_batches=None) -> dict:
    """Mean loss and accuracy over ``loader``, summed over every process."""
    was_training = model.training
    model.eval()
    sums = torch.zeros(2, dtype=torch.float64, device=rt.device)
    count = 0
    for i, (x, y) in enumerate(loader):
        if max_batches is not None and i >= max_batches:
            break
        x = transform(x.to(rt.device, non_blocking=True), train=False)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        y = y.to(rt.device, non_blocking=True)
        with torch.autocast(rt.device.type, dtype=torch.bfloat16, enabled=amp):
            logits = model(x)
        sums += torch.stack(
            [
                F.cross_entropy(logits.float(), y, reduction="sum").double(),
                (logits.argmax(1) == y).sum().double(),
            ]
        )
        count += len(y)
    model.train(was_training)
    loss, correct, count = all_sum(rt, torch.cat([sums, sums.new_tensor([count])])).tolist()
    return {"loss": loss / max(count, 1), "accuracy": correct / max(count, 1), "count": int(count)}


@torch.no_grad()
def predict(model: AlexNet, dataset, transform: BatchTransform, batch_size: int = 256, device="cpu"):
    """Predicted and true labels for every item of ``dataset`` (centre crops), as numpy arrays."""
    model.eval()
    preds, labels = [], []
    for x, y in DataLoader(dataset, batch_size=batch_size):
        logits = model(transform(x.to(device), train=False))
        preds.append(logits.argmax(1).cpu())
        labels.append(torch.as_tensor(y))
    return torch.cat(preds).numpy(), torch.cat(labels).numpy()


def make_transform(settings: Settings, splits: Splits, config: AlexNetConfig) -> BatchTransform:
    return BatchTransform(
        image_size=settings.image_size,
        crop=settings.crop,
        mean=splits.mean,
        std=splits.std,
        flip=settings.flip,
        pca_noise=settings.pca_noise,
        pca=splits.pca,
        out_channels=config.in_channels,
    )


class Printer:
    """Lines on rank 0 only; through tqdm while a bar is showing so the bar stays intact."""

    def __init__(self, rt: Runtime):
        self.rt, self.bar = rt, None

    def __call__(self, message: str) -> None:
        if not self.rt.main:
            return
        if self.bar is not None:
            self.bar.write(message)
        else:
            print(message, flush=True)


def train(cfg: TrainConfig, command: str | None = None) -> TrainResult:
    """Train as ``cfg`` says; raises ConfigError or DataError (messages for people) on bad settings."""
    started = time.perf_counter()
    check_config(cfg)
    settings = resolve(cfg)
    rt = start_runtime(cfg)
    threads_before = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        return _train(cfg, settings, rt, started, command)
    finally:
        torch.set_num_threads(threads_before)
        if rt.owns_process_group and dist.is_initialized():
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


def _train(
    cfg: TrainConfig, settings: Settings, rt: Runtime, started: float, command: str | None
) -> TrainResult:
    from tqdm.auto import tqdm

    say = Printer(rt)
    if cfg.batch_size % rt.world:
        raise ConfigError(f"--batch-size {cfg.batch_size} does not split evenly over {rt.world} processes")
    cuda = rt.device.type == "cuda"
    if cuda:
        torch.backends.cudnn.benchmark = True  # fixed input sizes: let cuDNN pick the fastest kernels
    amp = cfg.amp == "bf16" or (cfg.amp == "auto" and cuda)
    channels_last = cfg.channels_last == "on" or (cfg.channels_last == "auto" and cuda)

    out = Path(cfg.out) if cfg.out else None
    ckpt_path = out / CHECKPOINT_NAME if (out and cfg.checkpoint) else None
    resume_state = None
    if cfg.resume:
        if ckpt_path is None or not ckpt_path.exists():
            raise ConfigError(f"--resume: no checkpoint at {ckpt_path or '(no --out directory)'}")
        resume_state = load_checkpoint(ckpt_path)
        check_resumable(cfg, resume_state, rt.world, ckpt_path)
    elif ckpt_path is not None and ckpt_path.exists() and not cfg.overwrite:
        raise ConfigError(
            f"{ckpt_path} exists: add --resume to continue it, --overwrite to start again, "
            "or choose another --out"
        )

    # Same seed everywhere for the data split and the initial weights (DDP also broadcasts rank 0's).
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    splits = load_splits(cfg, settings)
    arch = model_config(cfg, settings, splits)
    raw = AlexNet(arch)
    # From here on, each process draws its own dropout masks and augmentations.
    torch.manual_seed(cfg.seed + 1_000_003 * rt.rank)
    augment_gen = torch.Generator().manual_seed(cfg.seed * 7919 + rt.rank + 1)
    transform = make_transform(settings, splits, arch)

    raw = raw.to(rt.device)
    if channels_last:
        raw = raw.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(
        raw.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay
    )
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=cfg.lr_factor, patience=cfg.patience
    )

    per_rank = cfg.batch_size // rt.world
    workers = cfg.workers
    if workers is None:  # in-memory digits need none; image files share the cores among local processes
        cores = (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
        workers = 0 if settings.digits else max(1, min(8 if cuda else 2, cores))
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

    model: nn.Module = raw
    if rt.distributed:
        model = nn.parallel.DistributedDataParallel(raw, device_ids=[rt.device.index] if cuda else None)
    model = compile_model(model, cfg.compile)
    eval_model = compile_model(raw, cfg.compile) if rt.distributed else model

    epoch, step_in_epoch, history = 0, 0, []
    partial = {"loss": 0.0, "correct": 0.0, "count": 0.0, "seconds": 0.0}
    train_seconds, train_images, resumed_from = 0.0, 0, None
    wall_before = 0.0
    if resume_state is not None:
        check_model_state(ckpt_path, resume_state, raw, optimizer, splits.classes)
        raw.load_state_dict(resume_state["model"])
        optimizer.load_state_dict(resume_state["optimizer"])
        scheduler.load_state_dict(resume_state["scheduler"])
        set_rng_state(resume_state["rng"][rt.rank], augment_gen, rt.device)
        epoch, step_in_epoch = resume_state["epoch"], resume_state["step"]
        history, partial = resume_state["history"], resume_state["partial"]
        train_seconds, train_images = resume_state["train_seconds"], resume_state["train_images"]
        wall_before = resume_state["wall_time_s"]
        resumed_from = {"epoch": epoch, "step": step_in_epoch}
        say(f"resuming {ckpt_path} at epoch {epoch + 1}, step {step_in_epoch}")

    def checkpoint(next_epoch: int, next_step: int) -> None:
        rngs = [_from_bytes(r) for r in gather(rt, _to_bytes(rng_state(augment_gen, rt.device)))]
        if ckpt_path is None or not rt.main:
            return
        save_atomic(
            {
                "format": CHECKPOINT_FORMAT,
                "config": cfg.as_dict(),
                "arch": dataclasses.asdict(arch),
                "classes": splits.classes,
                "model": raw.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "epoch": next_epoch,
                "step": next_step,
                "history": history,
                "partial": partial,
                "rng": rngs,
                "world_size": rt.world,
                "train_seconds": train_seconds,
                "train_images": train_images,
                "wall_time_s": wall_before + time.perf_counter() - started,
            },
            ckpt_path,
        )

    n_params = count_parameters(raw)
    if rt.main and not cfg.quiet:
        say(
            f"{arch.name}: {n_params:,} parameters, {arch.input_size}×{arch.input_size} crops; "
            f"data: {splits.source} ({len(splits.train)} train / {len(splits.val)} val images); "
            f"device: {rt.device}{f' ×{rt.world}' if rt.distributed else ''}, "
            f"{'bf16' if amp else 'fp32'}{', channels-last' if channels_last else ''}"
            f"{', compiled' if cfg.compile else ''}"
        )

    stop = StopRequest()
    stopped_by, steps_this_run = None, 0
    with stop:
        while epoch < cfg.epochs and stopped_by is None:
            sampler.set_epoch(epoch)
            sampler.start = step_in_epoch * per_rank
            batches = len(train_loader) + step_in_epoch
            if cfg.max_train_batches is not None:
                batches = min(batches, cfg.max_train_batches)
            bar = None
            if rt.main and not cfg.quiet:
                total = min(len(splits.train), batches * cfg.batch_size)
                bar = tqdm(
                    total=total,
                    initial=min(total, step_in_epoch * cfg.batch_size),
                    unit="img",
                    unit_scale=True,
                    desc=f"epoch {epoch + 1}/{cfg.epochs}",
                    leave=False,
                    dynamic_ncols=True,
                )
                say.bar = bar
            sums = torch.zeros(
                2, dtype=torch.float64, device=rt.device
            )  # loss sum, correct: stay on the device
            count = 0
            if cuda:
                torch.cuda.synchronize(rt.device)
            t0, last_post = time.perf_counter(), 0.0
            step = step_in_epoch
            for x, y in train_loader:
                if step >= batches:
                    break
                x = transform(x.to(rt.device, non_blocking=True), train=True, generator=augment_gen)
                if channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                y = y.to(rt.device, non_blocking=True)
                with torch.autocast(rt.device.type, dtype=torch.bfloat16, enabled=amp):
                    logits = model(x)
                    loss = F.cross_entropy(logits.float(), y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                sums += torch.stack([loss.detach().double() * len(y), (logits.argmax(1) == y).sum().double()])
                count += len(y)
                step += 1
                steps_this_run += 1
                if bar is not None:
                    bar.update(len(y) * rt.world)
                    now = time.perf_counter()
                    if now - last_post > 0.5 or step == batches:  # .item() waits for the GPU: not every step
                        n = max(count, 1) + partial["count"] / rt.world
                        bar.set_postfix(
                            loss=f"{(sums[0].item() + partial['loss'] / rt.world) / n:.3f}",
                            acc=f"{(sums[1].item() + partial['correct'] / rt.world) / n:.1%}",
                        )
                        last_post = now
                if cfg.stop_after_steps is not None and steps_this_run >= cfg.stop_after_steps:
                    stop.signum = stop.signum or signal.SIGINT
                shared = _shared_max(rt, int(stop.signum or 0))  # every process stops at the same step
                if shared:
                    stop.signum = shared
                    break
            if cuda:
                torch.cuda.synchronize(rt.device)
            seconds = time.perf_counter() - t0
            totals = all_sum(rt, torch.cat([sums, sums.new_tensor([count])])).tolist()
            partial = {
                "loss": partial["loss"] + totals[0],
                "correct": partial["correct"] + totals[1],
                "count": partial["count"] + totals[2],
                "seconds": partial["seconds"] + seconds,
            }
            train_seconds += seconds
            train_images += int(totals[2])
            if bar is not None:
                bar.close()
                say.bar = None

            if step < batches:  # stopped by a signal inside the epoch: save the position and leave
                stopped_by = _signal_name(stop.signum)
                checkpoint(epoch, step)
                if ckpt_path:
                    say(
                        f"{stopped_by}: saved {ckpt_path} at epoch {epoch + 1}, step {step}; "
                        "continue with --resume"
                    )
                else:
                    say(f"{stopped_by}: stopped at epoch {epoch + 1}, step {step} (no checkpoint written)")
                break

            val = evaluate(
                eval_model, eval_loaders["val"], transform, rt, amp, channels_last, cfg.max_eval_batches
            )
            scheduler.step(1.0 - val["accuracy"])
            entry = {
                "epoch": epoch + 1,
                "lr": optimizer.param_groups[0]["lr"],
                "train_loss": partial["loss"] / max(partial["count"], 1),
                "train_accuracy": partial["correct"] / max(partial["count"], 1),
                "val_loss": val["loss"],
                "val_accuracy": val["accuracy"],
                "images_per_s": partial["count"] / max(partial["seconds"], 1e-9),
                "seconds": partial["seconds"],
            }
            history.append(entry)
            say(
                f"epoch {epoch + 1:>3}/{cfg.epochs}  loss {entry['train_loss']:.3f}  "
                f"train {entry['train_accuracy']:6.1%}  val {val['accuracy']:6.1%}  "
                f"lr {entry['lr']:.0e}  {entry['images_per_s']:,.0f} img/s"
            )
            epoch, step_in_epoch = epoch + 1, 0
            partial = {"loss": 0.0, "correct": 0.0, "count": 0.0, "seconds": 0.0}
            shared = _shared_max(rt, int(stop.signum or 0))
            if shared:
                stop.signum = shared
                stopped_by = _signal_name(shared)
            if cfg.time_budget is not None and _agree_to_stop(
                rt, time.perf_counter() - started > cfg.time_budget
            ):
                stopped_by = stopped_by or "time budget"
            checkpoint(epoch, 0)
            if stopped_by in ("SIGINT", "SIGTERM"):
                say(f"{stopped_by}: saved {ckpt_path} after epoch {epoch}; continue with --resume")

    digests = gather(rt, weights_digest(raw))
    wall = wall_before + time.perf_counter() - started
    interrupted = stopped_by in ("SIGINT", "SIGTERM")
    result = TrainResult(
        config=cfg,
        model=raw,
        classes=splits.classes,
        history=history,
        val_accuracy=history[-1]["val_accuracy"] if history else None,
        test_accuracy=None,
        images_per_s=train_images / train_seconds if train_seconds else None,
        wall_time_s=wall,
        stopped_by=stopped_by,
        checkpoint_path=ckpt_path,
        weights_sha256_by_rank=digests,
        exit_code=128 + int(stop.signum) if interrupted and stop.signum else 0,
    )
    if interrupted and ckpt_path is not None:
        return result  # the checkpoint carries on; the record comes when the run finishes
    if "test" in eval_loaders and not interrupted:
        result.test_accuracy = evaluate(
            eval_model, eval_loaders["test"], transform, rt, amp, channels_last, cfg.max_eval_batches
        )["accuracy"]
    accuracy, split = (
        (result.test_accuracy, "test") if result.test_accuracy is not None else (result.val_accuracy, "val")
    )
    if rt.main and not interrupted:
        say(
            f"done: {len(history)} epoch{'s' if len(history) != 1 else ''}, {split} accuracy {accuracy:.2%}, "
            f"{result.images_per_s or 0:,.0f} img/s, {wall:.1f} s"
        )
    record_dir = cfg.record_dir or cfg.out
    if rt.main and record_dir:
        result.record = records.new_record(
            "train",
            cfg.as_dict(),
            rt.device,
            command=command,
            images_per_s=result.images_per_s,
            epochs=len(history),
            accuracy=accuracy,
            accuracy_split=split,
            val_accuracy=result.val_accuracy,
            test_accuracy=result.test_accuracy,
            wall_time_s=wall,
            train_seconds=train_seconds,
            train_images=train_images,
            world_size=rt.world,
            model=arch.name,
            parameters=n_params,
            input_size=arch.input_size,
            amp="bf16" if amp else "fp32",
            channels_last=channels_last,
            compiled=cfg.compile,
            stopped_by=stopped_by,
            resumed_from=resumed_from,
            data=splits.source,
            settings=dataclasses.asdict(settings),
            history=history,
            weights_sha256_by_rank=digests,
        )
        result.record_path = records.write_record(result.record, record_dir)
        if not cfg.quiet:
            say(f"record: {result.record_path}")
    return result


def _agree_to_stop(rt: Runtime, local: bool) -> bool:
    """True when any process wants to stop, so all of them leave the loop at the same step."""
    return _shared_max(rt, 1 if local else 0) > 0


def _shared_max(rt: Runtime, value: int) -> int:
    """The largest ``value`` over all processes (the signal one of them received, say)."""
    if not rt.distributed:
        return value
    flag = torch.tensor([float(value)])  # CPU tensor, over the gloo group
    dist.all_reduce(flag, op=dist.ReduceOp.MAX, group=rt.control)
    return int(flag.item())


def _signal_name(signum: int | None) -> str:
    return signal.Signals(signum).name if signum else "stop"


def main(argv: list[str] | None = None) -> int:
    from nutshell.alexnet.cli import main as cli_main

    argv = sys.argv[1:] if argv is None else argv
    return cli_main(["train", *argv], prog="python -m nutshell.alexnet.train", direct=True)


if __name__ == "__main__":
    sys.exit(main())
