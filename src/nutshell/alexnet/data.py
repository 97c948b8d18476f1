"""Images for AlexNet: the embedded digits, an ImageFolder reader, and the paper's augmentation.

Loaders hand out images at their stored size (8×8 floats for the digits, ``image_size``² bytes for
image files). Everything random — crops, flips, colour noise — happens afterwards, on whole batches,
in :class:`BatchTransform`, on the training device and from one explicit ``torch.Generator``. That
keeps DataLoader workers free of randomness, so a checkpoint that saves the generator's state
resumes bit for bit.

The paper (section 4.1) trains on random 224×224 crops of 256×256 images and their mirror images,
and adds to every pixel a random mix of the principal components of the training set's RGB colours
(eigenvalues × N(0, 0.1)). It tests on the centre crop here (the paper averaged ten crops).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, TensorDataset

from nutshell.alexnet.config import ConfigError

if TYPE_CHECKING:
    from nutshell.alexnet.config import Settings, TrainConfig
    from nutshell.nets.alexnet import AlexNetConfig

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".tif", ".tiff", ".webp"}


class DataError(ConfigError):
    """A problem with the data a person asked for; the message says what to do."""


@dataclass
class Splits:
    """Training, validation and (optional) test sets with what the transforms need to know about them."""

    train: Dataset
    val: Dataset
    test: Dataset | None
    classes: list[str]
    channels: int
    mean: torch.Tensor  # per channel, on the 0..1 scale
    std: torch.Tensor
    pca: tuple[torch.Tensor, torch.Tensor] | None  # (eigenvalues, eigenvectors as columns) of RGB
    source: str


def load_splits(cfg: TrainConfig, settings: Settings) -> Splits:
    """The data a run asked for: the embedded digits, or the image tree at ``cfg.data``."""
    if cfg.data is None:
        return digits_splits(seed=cfg.seed)
    return image_folder_splits(cfg.data, settings.image_size)


def make_transform(settings: Settings, splits: Splits, config: AlexNetConfig) -> BatchTransform:
    """The augmentation a run's settings ask for, fitted to its data and to the network's input."""
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


# -- embedded digits ---------------------------------------------------------------------------------------


def digits_splits(seed: int = 0, val_fraction: float = 0.1, test_fraction: float = 0.2) -> Splits:
    """scikit-learn's 1,797 handwritten digits (8×8, 17 grey levels), split by class proportions.

    The split depends on ``seed`` only, so every run and every DDP process sees the same sets.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = digits.images.astype(np.float32) / 16.0  # 0..16 → 0..1
    labels = digits.target.astype(np.int64)
    index = np.arange(len(labels))
    rest, test = train_test_split(index, test_size=test_fraction, stratify=labels, random_state=seed)
    val_share = val_fraction / (1.0 - test_fraction)
    train, val = train_test_split(rest, test_size=val_share, stratify=labels[rest], random_state=seed)

    def subset(idx):
        x = torch.from_numpy(images[np.sort(idx)]).unsqueeze(1)  # N, 1, 8, 8
        y = torch.from_numpy(labels[np.sort(idx)])
        return TensorDataset(x, y)

    train_x = torch.from_numpy(images[train])
    return Splits(
        train=subset(train),
        val=subset(val),
        test=subset(test),
        classes=[str(d) for d in range(10)],
        channels=1,
        mean=train_x.mean().reshape(1),
        std=train_x.std().reshape(1),
        pca=None,
        source="scikit-learn digits (embedded)",
    )


# -- image files -------------------------------------------------------------------------------------------


class ImageFolder(Dataset):
    """``root/<class>/<image>`` files, read with PIL as RGB, shorter side scaled to ``size``, centre square.

    That is how the paper prepared ImageNet: rescale so the shorter side is 256, then take the
    central 256×256 patch. Items are uint8 tensors (3, size, size), so worker processes and pinned
    memory move a quarter of the bytes that floats would need.
    """

    def __init__(self, root: str | Path, size: int, classes: list[str] | None = None):
        self.root = Path(root)
        self.size = size
        found = sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        if classes is None:
            classes = found
        else:
            unknown = sorted(set(found) - set(classes))
            if unknown:
                raise DataError(f"{self.root}: class folder(s) {', '.join(unknown)} not in train/")
        self.classes = classes
        self.samples: list[tuple[Path, int]] = []
        for label, name in enumerate(classes):
            folder = self.root / name
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                    self.samples.append((path, label))
        if not self.samples:
            raise DataError(f"{self.root}: no images found (expected {self.root}/<class>/<image>.png)")

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int):
        path, label = self.samples[i]
        return read_image(path, self.size), label


def read_image(path: Path, size: int) -> torch.Tensor:
    from PIL import Image

    with Image.open(path) as img:
        img = img.convert("RGB")
        w, h = img.size
        scale = size / min(w, h)
        new = (max(size, round(w * scale)), max(size, round(h * scale)))
        img = img.resize(new, Image.BILINEAR)
        left, top = (new[0] - size) // 2, (new[1] - size) // 2
        img = img.crop((left, top, left + size, top + size))
        array = np.asarray(img, dtype=np.uint8)
    return torch.from_numpy(array.transpose(2, 0, 1).copy())


def image_folder_splits(root: str | Path, size: int, stats_images: int = 256) -> Splits:
    """``root/train`` and ``root/val`` (and ``root/test`` if present), one folder per class in each."""
    root = Path(root)
    if not root.exists():
        raise DataError(f"--data {root}: no such directory")
    if not root.is_dir():
        raise DataError(f"--data {root}: not a directory")
    missing = [name for name in ("train", "val") if not (root / name).is_dir()]
    if missing:
        raise DataError(
            f"--data {root}: missing {' and '.join(m + '/' for m in missing)} "
            f"(expected {root}/train/<class>/*.png and {root}/val/<class>/*.png)"
        )
    train = ImageFolder(root / "train", size)
    if len(train.classes) < 2:
        raise DataError(f"{root / 'train'}: found {len(train.classes)} class folder(s), need at least 2")
    val = ImageFolder(root / "val", size, train.classes)
    test = ImageFolder(root / "test", size, train.classes) if (root / "test").is_dir() else None
    mean, std, pca = colour_statistics(train, stats_images)
    return Splits(train, val, test, train.classes, 3, mean, std, pca, source=str(root))


def colour_statistics(dataset: ImageFolder, limit: int):
    """Per-channel mean and std and the RGB principal components, from up to ``limit`` training images."""
    picks = np.linspace(0, len(dataset) - 1, num=min(limit, len(dataset))).round().astype(int)
    pixels = torch.cat([dataset[int(i)][0].reshape(3, -1).float() / 255.0 for i in np.unique(picks)], dim=1)
    mean, std = pixels.mean(dim=1), pixels.std(dim=1).clamp_min(1e-3)
    eigenvalues, eigenvectors = torch.linalg.eigh(torch.cov(pixels))
    return mean, std, (eigenvalues.clamp_min(0.0), eigenvectors)


# -- augmentation on batches -------------------------------------------------------------------------------


@dataclass
class BatchTransform:
    """Stored images → network input: resize, crop (random or centre), flip, colour noise, normalise."""

    image_size: int
    crop: int
    mean: torch.Tensor
    std: torch.Tensor
    flip: bool = False
    pca_noise: float = 0.0
    pca: tuple[torch.Tensor, torch.Tensor] | None = None
    out_channels: int | None = None  # repeat grey into this many channels (a 3-channel net on digits)

    def __post_init__(self):
        if self.crop > self.image_size:
            raise DataError(f"crop {self.crop} is larger than the image size {self.image_size}")

    def __call__(
        self, x: torch.Tensor, train: bool, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
        if x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            x = F.interpolate(
                x, size=(self.image_size, self.image_size), mode="bilinear", align_corners=False
            )
        n = x.shape[0]
        margin = self.image_size - self.crop
        if train:
            # Draw everything on the CPU generator first, so the stream does not depend on the device.
            offsets = torch.randint(0, margin + 1, (n, 2), generator=generator)
            flips = torch.rand(n, generator=generator) < 0.5
            alphas = torch.randn(n, 3, generator=generator) * self.pca_noise
            x = crop_batch(x, offsets[:, 0].to(x.device), offsets[:, 1].to(x.device), self.crop)
            if self.flip:
                x = torch.where(flips.to(x.device)[:, None, None, None], x.flip(-1), x)
            if self.pca_noise > 0 and self.pca is not None and x.shape[1] == 3:
                eigenvalues, eigenvectors = (t.to(x.device) for t in self.pca)
                shift = (alphas.to(x.device) * eigenvalues) @ eigenvectors.T  # n, 3
                x = x + shift[:, :, None, None]
        else:
            top = margin // 2
            x = x[:, :, top : top + self.crop, top : top + self.crop]
        mean = self.mean.to(x.device)[None, :, None, None]
        std = self.std.to(x.device)[None, :, None, None]
        x = (x - mean) / std
        if self.out_channels and x.shape[1] != self.out_channels:
            if x.shape[1] != 1:
                raise DataError(f"cannot turn {x.shape[1]}-channel images into {self.out_channels} channels")
            x = x.expand(-1, self.out_channels, -1, -1)
        return x.contiguous()


def crop_batch(x: torch.Tensor, top: torch.Tensor, left: torch.Tensor, size: int) -> torch.Tensor:
    """A different ``size``×``size`` window of every image in the batch, by one gather."""
    n, c = x.shape[:2]
    steps = torch.arange(size, device=x.device)
    rows = (top[:, None] + steps)[:, None, :, None]  # n, 1, size, 1
    cols = (left[:, None] + steps)[:, None, None, :]  # n, 1, 1, size
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    channel = torch.arange(c, device=x.device)[None, :, None, None]
    return x[batch, channel, rows, cols]
