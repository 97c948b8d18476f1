"""What a training run prints: lines from the first process only, and a progress bar per epoch."""

from __future__ import annotations

import time

from nutshell.alexnet.distributed import Runtime


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


class EpochBar:
    """A tqdm bar over one epoch's images with the running loss and accuracy, on rank 0 unless
    ``shown`` is false (``--quiet``); otherwise every method does nothing."""

    def __init__(self, say: Printer, shown: bool, total: int, initial: int, desc: str):
        self.say, self.bar, self.last_post = say, None, 0.0
        if shown and say.rt.main:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=total,
                initial=min(total, initial),
                unit="img",
                unit_scale=True,
                desc=desc,
                leave=False,
                dynamic_ncols=True,
            )
            say.bar = self.bar

    def update(self, images: int, sums, count: int, partial: dict, world: int, last: bool) -> None:
        """``images`` more seen; ``sums`` (loss sum, correct) and ``count`` are this process's so far in
        this run of the epoch, ``partial`` what earlier runs of it added up to over all processes."""
        if self.bar is None:
            return
        self.bar.update(images)
        now = time.perf_counter()
        if now - self.last_post > 0.5 or last:  # .item() waits for the GPU: not every step
            n = max(count, 1) + partial["count"] / world
            self.bar.set_postfix(
                loss=f"{(sums[0].item() + partial['loss'] / world) / n:.3f}",
                acc=f"{(sums[1].item() + partial['correct'] / world) / n:.1%}",
            )
            self.last_post = now

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.say.bar = None
