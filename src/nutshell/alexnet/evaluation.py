"""How well a model does: loss and accuracy over a data set (summed over every process), and its answers."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from nutshell.alexnet.data import BatchTransform
from nutshell.alexnet.distributed import Runtime, all_sum
from nutshell.alexnet.machine import autocast, place_batch
from nutshell.nets.alexnet import AlexNet


@torch.no_grad()
def evaluate(
    model, loader, transform, rt: Runtime, bf16: bool, channels_last: bool, max_batches=None
) -> dict:
    """Mean loss and accuracy over ``loader`` (centre crops), summed over every process."""
    was_training = model.training
    model.eval()
    sums = torch.zeros(2, dtype=torch.float64, device=rt.device)
    count = 0
    for i, (x, y) in enumerate(loader):
        if max_batches is not None and i >= max_batches:
            break
        x = place_batch(transform(x.to(rt.device, non_blocking=True), train=False), channels_last)
        y = y.to(rt.device, non_blocking=True)
        with autocast(rt.device, bf16):
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
