"""The network as it learned: after every epoch, its first-layer filters and its answers on held-out images.

:class:`EpochSnapshots` is an ``on_epoch`` watcher for :func:`nutshell.alexnet.train.train`. Recording
draws no random numbers (so the run trains exactly as it would unwatched), puts the model back into the
mode it found it in, and times itself: it is the cost of the demo's explorable figure. Snapshot 0 is the
network as initialised, snapshot ``k`` the network after epoch ``k``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from nutshell.alexnet.machine import autocast, place_batch


@dataclass(frozen=True)
class Snapshot:
    epoch: int  # 0: before training
    lr: float  # the learning rate the next epoch will use
    filters: np.ndarray  # (filters, height, width): conv1's weights on the first input channel
    confusion: np.ndarray  # (classes, classes): how often each true class (row) got each answer (column)

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / self.confusion.sum())


def scaled_filters(filters: np.ndarray) -> np.ndarray:
    """Each filter stretched to [0, 1], as the page draws them (grey: its smallest weight to its largest)."""
    low = filters.min(axis=(1, 2), keepdims=True)
    high = filters.max(axis=(1, 2), keepdims=True)
    return (filters - low) / (high - low + 1e-12)


@torch.no_grad()
def confusion_matrix(model, dataset, transform, device, channels_last: bool = False, bf16: bool = False,
                     classes: int | None = None, batch_size: int = 256) -> np.ndarray:
    """Counts of (true class, answer) over ``dataset`` (centre crops), without a DataLoader (whose
    iterator would draw a seed from the global generator) and without leaving the model in eval mode."""
    images, labels = dataset.tensors if hasattr(dataset, "tensors") else zip(*dataset)
    labels = torch.as_tensor(labels if isinstance(labels, torch.Tensor) else list(labels))
    classes = int(labels.max()) + 1 if classes is None else classes
    was_training = model.training
    model.eval()
    try:
        answers = []
        for start in range(0, len(labels), batch_size):
            x = images[start:start + batch_size] if isinstance(images, torch.Tensor) else torch.stack(
                list(images[start:start + batch_size]))
            x = place_batch(transform(x.to(device), train=False), channels_last)
            with autocast(torch.device(device), bf16):  # as evaluation.evaluate does
                answers.append(model(x).argmax(1).cpu())
    finally:
        model.train(was_training)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (labels.numpy(), torch.cat(answers).numpy()), 1)
    return confusion


class EpochSnapshots:
    """Call it with the run (``train(cfg, on_epoch=snapshots)``): one :class:`Snapshot` per call, taken
    on the run's test images (or its validation images when it has none)."""

    def __init__(self) -> None:
        self.snapshots: list[Snapshot] = []
        self.seconds = 0.0  # spent recording

    def __call__(self, run) -> None:
        started = time.perf_counter()
        model = run.state.model
        dataset = run.splits.test if run.splits.test is not None else run.splits.val
        confusion = confusion_matrix(run.eval_model, dataset, run.transform, run.rt.device, run.channels_last,
                                     run.bf16, classes=len(run.splits.classes))
        self.snapshots.append(Snapshot(
            epoch=run.state.epoch,
            lr=float(run.state.optimizer.param_groups[0]["lr"]),
            filters=model.features.conv1.weight.detach()[:, 0].float().cpu().numpy().copy(),
            confusion=confusion,
        ))
        self.seconds += time.perf_counter() - started


# ── the explorable: training, epoch by epoch ─────────────────────────────────────────


def snapshot_row(snapshot: Snapshot, history: list[dict]) -> dict:
    """What the page ships for one snapshot: filters (stretched to [0, 1], row by row) and the confusion
    matrix (row by row), with the epoch's numbers from the run's history."""
    entry = history[snapshot.epoch - 1] if snapshot.epoch else {}
    mistakes = snapshot.confusion - np.diag(np.diag(snapshot.confusion))
    worst = np.unravel_index(np.argmax(mistakes), mistakes.shape)
    return {
        "lr": snapshot.lr, "accuracy": snapshot.accuracy, "correct": int(np.trace(snapshot.confusion)),
        "images": int(snapshot.confusion.sum()), "val_accuracy": entry.get("val_accuracy"),
        "train_loss": entry.get("train_loss"),
        "worst_true": int(worst[0]), "worst_answer": int(worst[1]), "worst_count": int(mistakes[worst]),
        "pixels": [round(float(v), 3) for v in scaled_filters(snapshot.filters).ravel()],
        "confusion": [int(v) for v in snapshot.confusion.ravel()],
    }


def snapshot_grid(snapshots: EpochSnapshots, history: list[dict]):
    """The snapshots as an explorable grid over the epoch; it cost what recording them cost."""
    from nutshell import explorables

    by_epoch = {s.epoch: s for s in snapshots.snapshots}
    epochs = tuple(sorted(by_epoch))
    labels = ["before training" if e == 0 else f"{e} of {epochs[-1]}" for e in epochs]
    control = explorables.slider("epoch", "Epoch", epochs, default=epochs[-1], labels=labels)
    return explorables.tabulate((control,), lambda epoch: snapshot_row(by_epoch[epoch], history),
                                snapshots.seconds)


def describe_snapshot(row: dict) -> str:
    when = "before training" if row["epoch"] == 0 else f"after epoch {row['epoch']}"
    text = f"{when}: test accuracy {row['accuracy']:.1%} ({row['correct']} of {row['images']})"
    if row["val_accuracy"] is not None:
        text += f", validation accuracy {row['val_accuracy']:.1%}"
    text += f"; learning rate {row['lr']:g} from here on"
    if row["worst_count"]:
        text += (f"; most frequent mistake: {row['worst_true']} answered as {row['worst_answer']}"
                 f" ({row['worst_count']} {'time' if row['worst_count'] == 1 else 'times'})")
    return text

