"""Train AlexNet with the 2012 recipe, on one CPU, one GPU or many (``torchrun``).

The recipe: SGD with momentum 0.9 and weight decay 5e-4, batches of 128, learning rate 0.01 divided
by 10 whenever the validation error stops improving, random crops and mirror images, dropout 0.5.

This module is the loop, read top to bottom: :func:`train` sets a run up (:mod:`~nutshell.alexnet.run`),
trains epoch after epoch, and finishes. What a long run needs around it lives in modules of its own:

* **Devices** (:mod:`~nutshell.alexnet.machine`). CUDA when present, else the CPU. On CUDA: bf16
  autocast, channels-last tensors, pinned memory and loader workers; ``compile=True`` wraps the model
  in ``torch.compile``.
* **Several GPUs** (:mod:`~nutshell.alexnet.distributed`). Under ``torchrun --nproc_per_node=N`` each
  process trains a replica on its share of every batch (DistributedDataParallel + DistributedSampler);
  ``batch_size`` stays the global batch.
* **Checkpoints** (:mod:`~nutshell.alexnet.state`, :mod:`~nutshell.alexnet.checkpoint`). After every
  epoch the whole :class:`~nutshell.alexnet.state.TrainState` is saved, atomically and with a SHA-256
  of the file; ``resume=True`` checks it and restores weights, optimizer, scheduler, every random
  number generator and the position inside the epoch: an interrupted run ends with the same bits as
  one that never stopped. SIGINT and SIGTERM (:mod:`~nutshell.alexnet.signals`) finish the current
  step, save, and exit.
* **Records** (:mod:`~nutshell.alexnet.records`). Each finished run writes a JSON record.
* **Watching** (:mod:`~nutshell.alexnet.snapshots`). ``on_epoch`` is called with the run once it is set
  up and after every epoch, e.g. to record the first-layer filters and the test answers as they change.

Run it as ``nutshell alexnet train``, ``python -m nutshell.alexnet.train`` or
``torchrun --nproc_per_node=2 -m nutshell.alexnet.train``; from Python, call :func:`train`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from nutshell.alexnet import records
from nutshell.alexnet.checkpoint import save_checkpoint
from nutshell.alexnet.config import TrainConfig, check_config, resolve
from nutshell.alexnet.distributed import all_sum, any_process, gather, process_group
from nutshell.alexnet.evaluation import evaluate
from nutshell.alexnet.machine import compile_model, pick_device, place_batch, synchronize, torch_threads
from nutshell.alexnet.progress import EpochBar
from nutshell.alexnet.recipe import train_step
from nutshell.alexnet.run import Run, set_up
from nutshell.alexnet.signals import StopRequest
from nutshell.alexnet.state import new_partial, state_entries
from nutshell.nets.alexnet import AlexNet, count_parameters

# compile_model is used by train.run; it is named here too because callers (and tests) know it as
# train.compile_model.
__all__ = ["TrainResult", "compile_model", "train"]


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


def train(
    cfg: TrainConfig, command: str | None = None, on_epoch: Callable[[Run], None] | None = None
) -> TrainResult:
    """Train as ``cfg`` says; raises ConfigError or DataError (messages for people) on bad settings.

    ``on_epoch(run)``, if given, is called once the run is set up and after every epoch (after the
    validation and the learning-rate schedule, before the checkpoint); it must not change the run.
    """
    started = time.perf_counter()
    check_config(cfg)
    settings = resolve(cfg)
    with process_group(pick_device(cfg.device)) as rt, torch_threads(cfg.threads):
        run = set_up(cfg, settings, rt, started)
        if on_epoch is not None:
            on_epoch(run)
        stopped_by, signum = train_epochs(run, on_epoch)
        return finish(run, stopped_by, signum, command)


# -- the loop --------------------------------------------------------------------------------------------


def train_epochs(run: Run, on_epoch: Callable[[Run], None] | None = None) -> tuple[str | None, int | None]:
    """Epoch after epoch until the last, a signal, or the time budget; returns what stopped the run
    (None: it finished) and the signal, if one did."""
    cfg, rt, state, say = run.cfg, run.rt, run.state, run.say
    stopped_by = None
    with StopRequest() as stop:
        while state.epoch < cfg.epochs and stopped_by is None:
            # Train on what is left of the epoch; a signal ends it after the current step.
            if not train_epoch(run, stop):
                # Stopped inside the epoch: save the position and leave.
                stopped_by = stop.name
                save(run)
                where = f"at epoch {state.epoch + 1}, step {state.step}"
                if run.checkpoint_path:
                    say(f"{stopped_by}: saved {run.checkpoint_path} {where}; continue with --resume")
                else:
                    say(f"{stopped_by}: stopped {where} (no checkpoint written)")
                break

            # Evaluate, let the learning rate react, and move on to the next epoch.
            end_epoch(run)
            if on_epoch is not None:
                on_epoch(run)

            # Stop after this epoch if any process was signalled or the time budget is spent.
            if stop.agree(rt):
                stopped_by = stop.name
            if cfg.time_budget is not None and any_process(
                rt, time.perf_counter() - run.started > cfg.time_budget
            ):
                stopped_by = stopped_by or "time budget"

            # Save, so that --resume starts with the next epoch.
            save(run)
            if stopped_by in ("SIGINT", "SIGTERM"):
                where = f"after epoch {state.epoch}"
                say(f"{stopped_by}: saved {run.checkpoint_path} {where}; continue with --resume")
    return stopped_by, stop.signum


def train_epoch(run: Run, stop: StopRequest) -> bool:
    """Train on what is left of the epoch under way; False when a stop request ended it early."""
    cfg, rt, state = run.cfg, run.rt, run.state
    # Where the epoch starts (part-way in, after a resume) and ends.
    run.sampler.set_epoch(state.epoch)
    run.sampler.start = state.step * (cfg.batch_size // rt.world)
    batches = len(run.train_loader) + state.step
    if cfg.max_train_batches is not None:
        batches = min(batches, cfg.max_train_batches)
    bar = EpochBar(
        run.say,
        shown=not cfg.quiet,
        total=min(len(run.splits.train), batches * cfg.batch_size),
        initial=state.step * cfg.batch_size,
        desc=f"epoch {state.epoch + 1}/{cfg.epochs}",
    )

    # One step per batch; after each, every process hears whether any of them was asked to stop.
    sums = torch.zeros(2, dtype=torch.float64, device=rt.device)  # loss sum, correct: stay on the device
    count = 0
    synchronize(rt.device)
    t0 = time.perf_counter()
    for x, y in run.train_loader:
        if state.step >= batches:
            break
        x = run.transform(x.to(rt.device, non_blocking=True), train=True, generator=state.rng.augment)
        x = place_batch(x, run.channels_last)
        y = y.to(rt.device, non_blocking=True)
        logits, loss = train_step(run.model, state.optimizer, x, y, run.bf16)
        sums += torch.stack([loss.detach().double() * len(y), (logits.argmax(1) == y).sum().double()])
        count += len(y)
        state.step += 1
        run.steps_this_run += 1
        bar.update(len(y) * rt.world, sums, count, state.partial, rt.world, last=state.step == batches)
        if cfg.stop_after_steps is not None and run.steps_this_run >= cfg.stop_after_steps:
            stop.request(signal.SIGINT)
        if stop.agree(rt):  # every process stops at the same step
            break
    synchronize(rt.device)
    seconds = time.perf_counter() - t0
    bar.close()

    # This stretch's sums, over all processes, join the epoch's.
    loss_sum, correct, images = all_sum(rt, torch.cat([sums, sums.new_tensor([count])])).tolist()
    p = state.partial
    state.partial = {
        "loss": p["loss"] + loss_sum,
        "correct": p["correct"] + correct,
        "count": p["count"] + images,
        "seconds": p["seconds"] + seconds,
    }
    state.train_seconds += seconds
    state.train_images += int(images)
    return state.step >= batches


def end_epoch(run: Run) -> None:
    """Validate, step the learning-rate schedule, add the epoch to the history, start the next one."""
    cfg, state = run.cfg, run.state
    val = evaluate_on(run, "val")
    state.scheduler.step(1.0 - val["accuracy"])
    p = state.partial
    entry = {
        "epoch": state.epoch + 1,
        "lr": state.optimizer.param_groups[0]["lr"],
        "train_loss": p["loss"] / max(p["count"], 1),
        "train_accuracy": p["correct"] / max(p["count"], 1),
        "val_loss": val["loss"],
        "val_accuracy": val["accuracy"],
        "images_per_s": p["count"] / max(p["seconds"], 1e-9),
        "seconds": p["seconds"],
    }
    state.history.append(entry)
    run.say(
        f"epoch {state.epoch + 1:>3}/{cfg.epochs}  loss {entry['train_loss']:.3f}  "
        f"train {entry['train_accuracy']:6.1%}  val {val['accuracy']:6.1%}  "
        f"lr {entry['lr']:.0e}  {entry['images_per_s']:,.0f} img/s"
    )
    state.epoch, state.step, state.partial = state.epoch + 1, 0, new_partial()


def save(run: Run) -> None:
    """The state, into the run's checkpoint (if it keeps one). Every process must call this."""
    if run.checkpoint_path is None:
        return
    entries = state_entries(run.state, run.rt)
    if run.rt.main:
        save_checkpoint(entries, run.checkpoint_path)


def evaluate_on(run: Run, split: str) -> dict:
    return evaluate(
        run.eval_model,
        run.eval_loaders[split],
        run.transform,
        run.rt,
        run.bf16,
        run.channels_last,
        run.cfg.max_eval_batches,
    )


# -- finishing -------------------------------------------------------------------------------------------


def finish(run: Run, stopped_by: str | None, signum: int | None, command: str | None) -> TrainResult:
    """The run's result; unless a signal stopped it, its test accuracy and its JSON record too."""
    cfg, rt, state = run.cfg, run.rt, run.state
    digests = gather(rt, weights_digest(state.model))
    interrupted = stopped_by in ("SIGINT", "SIGTERM")
    history = state.history
    result = TrainResult(
        config=cfg,
        model=state.model,
        classes=run.splits.classes,
        history=history,
        val_accuracy=history[-1]["val_accuracy"] if history else None,
        test_accuracy=None,
        images_per_s=state.train_images / state.train_seconds if state.train_seconds else None,
        wall_time_s=state.wall_time_s.seconds(),
        stopped_by=stopped_by,
        checkpoint_path=run.checkpoint_path,
        weights_sha256_by_rank=digests,
        exit_code=128 + int(signum) if interrupted and signum else 0,
    )
    if interrupted and run.checkpoint_path is not None:
        return result  # the checkpoint carries on; the record comes when the run finishes
    if "test" in run.eval_loaders and not interrupted:
        result.test_accuracy = evaluate_on(run, "test")["accuracy"]
    accuracy, split = (
        (result.test_accuracy, "test") if result.test_accuracy is not None else (result.val_accuracy, "val")
    )
    if rt.main and not interrupted:
        run.say(
            f"done: {len(history)} epoch{'s' if len(history) != 1 else ''}, {split} accuracy {accuracy:.2%}, "
            f"{result.images_per_s or 0:,.0f} img/s, {result.wall_time_s:.1f} s"
        )
    record_dir = cfg.record_dir or cfg.out
    if rt.main and record_dir:
        result.record = new_record(run, result, accuracy, split, command)
        result.record_path = records.write_record(result.record, record_dir)
        if not cfg.quiet:
            run.say(f"record: {result.record_path}")
    return result


def new_record(run: Run, result: TrainResult, accuracy: float, split: str, command: str | None) -> dict:
    cfg, state = run.cfg, run.state
    return records.new_record(
        "train",
        cfg.as_dict(),
        run.rt.device,
        command=command,
        images_per_s=result.images_per_s,
        epochs=len(state.history),
        accuracy=accuracy,
        accuracy_split=split,
        val_accuracy=result.val_accuracy,
        test_accuracy=result.test_accuracy,
        wall_time_s=result.wall_time_s,
        train_seconds=state.train_seconds,
        train_images=state.train_images,
        world_size=run.rt.world,
        model=run.arch.name,
        parameters=count_parameters(state.model),
        input_size=run.arch.input_size,
        amp="bf16" if run.bf16 else "fp32",
        channels_last=run.channels_last,
        compiled=cfg.compile,
        stopped_by=result.stopped_by,
        resumed_from=run.resumed_from,
        data=run.splits.source,
        settings=dataclasses.asdict(run.settings),
        history=state.history,
        weights_sha256_by_rank=result.weights_sha256_by_rank,
    )


def weights_digest(model: nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
