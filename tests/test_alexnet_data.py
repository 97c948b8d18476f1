"""The embedded digits, the ImageFolder reader (on PNGs written here) and the batch augmentation."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from nutshell.alexnet import TrainConfig
from nutshell.alexnet.data import (
    BatchTransform,
    DataError,
    ImageFolder,
    crop_batch,
    digits_splits,
    image_folder_splits,
)
from nutshell.alexnet.train import train
from nutshell.cli import main


def write_tree(root, splits=("train", "val"), classes=("circle", "square"), per_class=3):
    """A tiny ImageFolder tree: odd sizes, RGB and greyscale PNGs, a class told apart by colour."""
    rng = np.random.default_rng(0)
    for split in splits:
        for c, name in enumerate(classes):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(per_class):
                h, w = 18 + 3 * i, 24 - 2 * i
                pixels = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
                pixels[..., c] += 180
                img = Image.fromarray(pixels)
                if i == 2:
                    img = img.convert("L")
                img.save(folder / f"{i}.png")
    (root / "train" / "circle" / "notes.txt").write_text("not an image")
    return root


@pytest.fixture
def tree(tmp_path):
    return write_tree(tmp_path / "shapes")


def test_digits_split_is_stratified_disjoint_and_repeatable():
    a, b = digits_splits(seed=0), digits_splits(seed=0)
    sizes = [len(a.train), len(a.val), len(a.test)]
    assert sizes == [1257, 180, 360] and sum(sizes) == 1797
    for split in ("train", "val", "test"):
        xa, ya = getattr(a, split).tensors
        xb, yb = getattr(b, split).tensors
        assert torch.equal(xa, xb) and torch.equal(ya, yb)
        assert xa.shape[1:] == (1, 8, 8) and 0 <= xa.min() and xa.max() <= 1
        assert set(ya.tolist()) == set(range(10))
    rows = {tuple(x.flatten().tolist()) for x in a.train.tensors[0]}
    # a few digits are pixel-identical in the original data; the splits themselves share no index
    assert len(rows & {tuple(x.flatten().tolist()) for x in a.test.tensors[0]}) < 5
    assert a.channels == 1 and a.classes == [str(d) for d in range(10)]


def test_image_folder_reads_classes_and_squares_images(tree):
    ds = ImageFolder(tree / "train", size=16)
    assert ds.classes == ["circle", "square"] and len(ds) == 6
    x, y = ds[4]
    assert x.dtype == torch.uint8 and x.shape == (3, 16, 16) and y == 1
    assert x[1].float().mean() > x[0].float().mean()  # the square class is green
    splits = image_folder_splits(tree, size=16)
    assert splits.channels == 3 and splits.test is None and len(splits.val) == 6
    eigenvalues, eigenvectors = splits.pca
    assert eigenvalues.shape == (3,) and eigenvectors.shape == (3, 3) and torch.all(eigenvalues >= 0)


def test_image_folder_test_split_is_optional(tmp_path):
    root = write_tree(tmp_path / "t", splits=("train", "val", "test"))
    assert len(image_folder_splits(root, size=8).test) == 6


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda root: None, "no such directory"),
        (lambda root: (root / "train" / "a").mkdir(parents=True), "missing val/"),
        (lambda root: root.mkdir(), "missing train/ and val/"),
        (lambda root: write_tree(root) and (root / "val" / "triangle").mkdir(), "triangle not in train/"),
        (
            lambda root: [(root / s / c).mkdir(parents=True) for s in ("train", "val") for c in "ab"],
            "no images found",
        ),
    ],
    ids=["missing", "no-val", "empty", "unknown-class", "no-images"],
)
def test_bad_trees_give_one_clear_error(tmp_path, make, message):
    root = tmp_path / "data"
    make(root)
    with pytest.raises(DataError, match=message):
        image_folder_splits(root, size=8)


def test_crop_batch_cuts_a_different_window_per_image():
    x = torch.arange(2 * 3 * 6 * 6, dtype=torch.float32).reshape(2, 3, 6, 6)
    top, left = torch.tensor([0, 2]), torch.tensor([1, 0])
    out = crop_batch(x, top, left, 4)
    assert torch.equal(out[0], x[0, :, 0:4, 1:5]) and torch.equal(out[1], x[1, :, 2:6, 0:4])


def test_transform_is_seeded_and_centre_crops_for_evaluation():
    x = torch.rand(16, 1, 8, 8)
    t = BatchTransform(image_size=12, crop=10, mean=torch.tensor([0.5]), std=torch.tensor([0.25]), flip=True)
    a = t(x, train=True, generator=torch.Generator().manual_seed(1))
    b = t(x, train=True, generator=torch.Generator().manual_seed(1))
    c = t(x, train=True, generator=torch.Generator().manual_seed(2))
    assert a.shape == (16, 1, 10, 10) and torch.equal(a, b) and not torch.equal(a, c)
    e1, e2 = t(x, train=False), t(x, train=False)
    assert torch.equal(e1, e2)
    big = torch.nn.functional.interpolate(x, size=(12, 12), mode="bilinear", align_corners=False)
    torch.testing.assert_close(e1, (big[:, :, 1:11, 1:11] - 0.5) / 0.25)


def test_flips_and_colour_noise_and_grey_to_rgb():
    x = torch.rand(64, 3, 8, 8)
    gen = torch.Generator().manual_seed(0)
    plain = BatchTransform(8, 8, torch.zeros(3), torch.ones(3))
    flipped = BatchTransform(8, 8, torch.zeros(3), torch.ones(3), flip=True)(x, train=True, generator=gen)
    assert torch.equal(plain(x, train=True), x)  # no margin, no flips, no noise: unchanged
    mirrored = [torch.equal(flipped[i], x[i].flip(-1)) for i in range(64)]
    assert 10 < sum(mirrored) < 54
    pca = (torch.tensor([0.2, 0.1, 0.05]), torch.eye(3))
    noisy = BatchTransform(8, 8, torch.zeros(3), torch.ones(3), pca_noise=0.1, pca=pca)(
        x, train=True, generator=gen
    )
    shift = (noisy - x).mean(dim=(2, 3))  # one constant RGB shift per image
    torch.testing.assert_close(noisy - x, shift[:, :, None, None].expand_as(x))
    assert shift.abs().max() > 0
    grey = BatchTransform(8, 8, torch.zeros(1), torch.ones(1), out_channels=3)(
        torch.rand(2, 1, 8, 8), train=False
    )
    assert grey.shape == (2, 3, 8, 8) and torch.equal(grey[:, 0], grey[:, 2])


def test_training_on_an_image_folder_with_a_worker(tree, tmp_path):
    cfg = TrainConfig(
        data=str(tree),
        image_size=32,
        crop=28,
        epochs=1,
        batch_size=4,
        workers=1,
        out=str(tmp_path / "run"),
        quiet=True,
    )
    result = train(cfg)
    assert result.classes == ["circle", "square"] and len(result.history) == 1
    assert result.model.config.in_channels == 3 and result.model.config.num_classes == 2
    record = json.loads(result.record_path.read_text())
    assert record["data"] == str(tree) and record["settings"]["flip"] is True
    assert record["settings"]["pca_noise"] == pytest.approx(0.1)


def test_cli_reports_data_problems_in_one_line(tmp_path, capsys):
    assert main(["alexnet", "train", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no such directory" in err and "Traceback" not in err
    (tmp_path / "flat").mkdir()
    assert main(["alexnet", "train", "--data", str(tmp_path / "flat"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "missing train/ and val/" in err
