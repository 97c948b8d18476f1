"""How fast does the full-size AlexNet train today, next to the two GTX 580s of 2012?

The benchmark times training steps (forward, backward, SGD update) of the paper's network on
synthetic 227×227 images, so it measures the model and the device, not a data pipeline. It counts
the FLOPs of one step with ``torch.utils.flop_counter.FlopCounterMode`` (on the ``meta`` device:
no arithmetic is done) and turns images/s into achieved TFLOP/s. On CUDA it also times a large bf16
matrix product, the best rate the device reaches in practice, and reports the model's FLOP
utilisation (MFU) against it.

The 2012 rate comes from the paper: about 90 passes over 1.2 million images took five to six days
on two GTX 580 3 GB cards.
"""

from __future__ import annotations

import math
import time

import torch
import torch.nn.functional as F
from torch.utils import flop_counter
from torch.utils.flop_counter import FlopCounterMode

from nutshell.alexnet import records
from nutshell.alexnet.config import BENCH_VARIANTS, BenchConfig, ConfigError
from nutshell.alexnet.machine import (
    compile_model,
    pick_device,
    place_batch,
    place_model,
    prepare,
    synchronize,
    use_channels_last,
)
from nutshell.alexnet.recipe import sgd, train_step
from nutshell.nets.alexnet import AlexNet, AlexNetConfig, count_parameters, meta_model, paper_config

PAPER_2012 = {
    "epochs": 90,
    "images_per_epoch": 1.2e6,
    "days": (5.0, 6.0),
    "hardware": "2× NVIDIA GTX 580 3 GB",
}


def rate_2012() -> dict:
    """Images per second the paper's run sustained, from its own numbers (low, middle, high)."""
    images = PAPER_2012["epochs"] * PAPER_2012["images_per_epoch"]
    slow, fast = (images / (d * 86400) for d in (PAPER_2012["days"][1], PAPER_2012["days"][0]))
    middle = images / (sum(PAPER_2012["days"]) / 2 * 86400)
    return {"images": images, "low": slow, "middle": middle, "high": fast}


def arithmetic_2012() -> list[str]:
    """The 2012 rate worked out, one line per step."""
    r = rate_2012()
    days = PAPER_2012["days"]
    total = f"{PAPER_2012['epochs']} epochs × {PAPER_2012['images_per_epoch']:,.0f} images"
    seconds = f"{days[0] * 86400:,.0f}–{days[1] * 86400:,.0f} s"
    middle = f"middle ({sum(days) / 2:g} days): {r['middle']:,.0f} images/s"
    return [
        f"2012: {total} = {r['images']:,.0f} images",
        f"      in {days[0]:g}–{days[1]:g} days = {seconds} on {PAPER_2012['hardware']}",
        f"      → {r['low']:,.0f}–{r['high']:,.0f} images/s; {middle}",
    ]


# torch's counter charges the weight gradient of a grouped convolution as if it were ungrouped
# (twice too much for the two-tower layers); this formula counts what is computed.
def _conv_backward_flop(
    grad_out_shape,
    x_shape,
    w_shape,
    bias,
    stride,
    padding,
    dilation,
    transposed,
    output_padding,
    groups,
    output_mask,
    out_shape,
    **kwargs,
) -> int:
    if transposed:
        return flop_counter.conv_backward_flop(
            grad_out_shape,
            x_shape,
            w_shape,
            bias,
            stride,
            padding,
            dilation,
            transposed,
            output_padding,
            groups,
            output_mask,
            out_shape,
        )
    flops = 0
    if output_mask[0]:  # input gradient: a transposed convolution of the output gradient
        flops += flop_counter.conv_flop_count(
            grad_out_shape, w_shape, flop_counter.get_shape(out_shape[0]), True
        )
    if output_mask[1]:  # weight gradient: one multiply-add per output element per weight it touches
        flops += 2 * math.prod(grad_out_shape) * math.prod(w_shape[1:])
    return flops


FLOP_FORMULAS = {torch.ops.aten.convolution_backward: _conv_backward_flop}


def count_flops(config: AlexNetConfig, batch: int = 2) -> dict:
    """FLOPs per image of a forward pass and of a training step, counted on a ``meta`` build of ``config``."""
    shadow = meta_model(config)
    c, s = config.in_channels, config.input_size
    x = torch.zeros(batch, c, s, s, device="meta")
    y = torch.zeros(batch, dtype=torch.long, device="meta")
    with FlopCounterMode(display=False, custom_mapping=FLOP_FORMULAS) as forward:
        F.cross_entropy(shadow(x), y)
    with FlopCounterMode(display=False, custom_mapping=FLOP_FORMULAS) as step:
        F.cross_entropy(shadow(x), y).backward()
    return {"forward": forward.get_total_flops() / batch, "train_step": step.get_total_flops() / batch}


def matmul_tflops(device: torch.device, n: int = 8192, repeats: int = 20) -> float:
    """TFLOP/s of an n×n×n bf16 matrix product: what this device delivers on the easiest workload."""
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    synchronize(device)
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    synchronize(device)
    return 2 * n**3 * repeats / (time.perf_counter() - t0) / 1e12


def parse_variant(name: str) -> tuple[bool, bool]:
    """'compiled-bf16' → (compiled, bf16)."""
    if name not in BENCH_VARIANTS:
        raise ConfigError(f"unknown variant {name!r} (choose from {', '.join(BENCH_VARIANTS)})")
    mode, precision = name.split("-")
    return mode == "compiled", precision == "bf16"


def time_training(
    model,
    device,
    batch: int,
    warmup: int,
    steps: int,
    bf16: bool,
    channels_last: bool,
    compiled: bool,
    seed: int = 0,
) -> dict:
    """Images/s of SGD training steps on one fixed synthetic batch, after ``warmup`` untimed steps."""
    gen = torch.Generator().manual_seed(seed)
    c, s = model.config.in_channels, model.config.input_size
    x = place_batch(torch.randn(batch, c, s, s, generator=gen).to(device), channels_last)
    y = torch.randint(0, model.config.num_classes, (batch,), generator=gen).to(device)
    optimizer = sgd(model.parameters())  # the paper's values
    run = compile_model(model, compiled)

    synchronize(device)
    t0 = time.perf_counter()
    # the first step pays for cuDNN autotuning, allocation and, when compiled, compilation
    train_step(run, optimizer, x, y, bf16)
    synchronize(device)
    first = time.perf_counter() - t0
    for _ in range(max(warmup - 1, 0)):
        train_step(run, optimizer, x, y, bf16)
    synchronize(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        train_step(run, optimizer, x, y, bf16)
    synchronize(device)
    seconds = time.perf_counter() - t0
    return {"images_per_s": batch * steps / seconds, "timed_s": seconds, "first_step_s": first}


def run_bench(cfg: BenchConfig, command: str | None = None, say=print) -> list[dict]:
    """Benchmark every variant in ``cfg``; returns (and, with ``record_dir``, writes) one record each."""
    for name in cfg.variants:
        parse_variant(name)
    device = pick_device(cfg.device)
    cuda = device.type == "cuda"
    batch = cfg.batch_size or (128 if cuda else 4)
    warmup = cfg.warmup if cfg.warmup is not None else (10 if cuda else 1)
    steps = cfg.steps or (50 if cuda else 3)
    channels_last = use_channels_last(cfg.channels_last, device)
    prepare(device)

    # What every variant shares: the network, its FLOPs, the device's practical peak, the 2012 rate.
    torch.manual_seed(cfg.seed)
    config = paper_config(1000, cfg.input_size, cfg.two_tower)
    flops = count_flops(config)
    peak = matmul_tflops(device) if (cuda and cfg.matmul) else None
    then = rate_2012()
    quiet = cfg.quiet
    if not quiet:
        for line in _setup_lines(device, config, flops, peak, batch, warmup, steps):
            say(line)

    # Each variant on a freshly initialised model, with the same seed.
    results = []
    for name in cfg.variants:
        compiled, bf16 = parse_variant(name)
        if compiled:
            torch._dynamo.reset()
        torch.manual_seed(cfg.seed)
        model = place_model(AlexNet(config), device, channels_last)
        started = time.perf_counter()
        timing = time_training(model, device, batch, warmup, steps, bf16, channels_last, compiled, cfg.seed)
        ips = timing["images_per_s"]
        achieved = flops["train_step"] * ips / 1e12
        out = {
            "variant": name,
            "images_per_s": ips,
            "epochs": None,
            "accuracy": None,
            "wall_time_s": time.perf_counter() - started,
            "batch_size": batch,
            "warmup_steps": warmup,
            "timed_steps": steps,
            "first_step_s": timing["first_step_s"],
            "channels_last": channels_last,
            "parameters": count_parameters(model),
            "input_size": config.input_size,
            "flops_per_image_forward": flops["forward"],
            "flops_per_image_train": flops["train_step"],
            "achieved_tflops": achieved,
            "matmul_bf16_tflops": peak,
            "mfu": achieved / peak if peak else None,
            "rate_2012_images_per_s": then["middle"],
            "ratio_to_2012": ips / then["middle"],
            "imagenet_epoch_minutes": PAPER_2012["images_per_epoch"] / ips / 60,
            "paper_schedule_hours": then["images"] / ips / 3600,
        }
        if not quiet:
            say(_variant_line(out))
        record = records.new_record("bench", cfg.as_dict(), device, command=command, **out)
        if cfg.record_dir:
            record["_path"] = str(records.write_record(record, cfg.record_dir))
            if not quiet:
                say(f"{'':>14}  record: {record['_path']}")
        results.append(record)
        del model
        if cuda:
            torch.cuda.empty_cache()
    return results


def _setup_lines(device, config: AlexNetConfig, flops: dict, peak, batch, warmup, steps) -> list[str]:
    """What the benchmark runs on and measures, and the 2012 rate it compares with."""
    env = records.environment(device)
    lines = [
        f"device: {env['device']}; torch {env['torch_version']}, CUDA {env['cuda_version']}",
        f"model: {config.name}, {config.input_size}×{config.input_size} input, "
        f"{'two towers' if config.two_tower else 'one tower'}; "
        f"batch {batch}, {warmup} warm-up + {steps} timed steps",
        f"FLOPs per image: {flops['forward'] / 1e9:.3f} G forward, "
        f"{flops['train_step'] / 1e9:.3f} G per training step (FlopCounterMode)",
    ]
    if peak:
        lines.append(f"bf16 matmul 8192³: {peak:.1f} TFLOP/s (the practical peak MFU is measured against)")
    return lines + arithmetic_2012()


def _variant_line(out: dict) -> str:
    mfu = f", MFU {out['mfu']:.1%}" if out["mfu"] is not None else ""
    return (
        f"{out['variant']:>14}: {out['images_per_s']:,.1f} images/s, "
        f"{out['achieved_tflops']:.2f} TFLOP/s{mfu}; "
        f"{out['ratio_to_2012']:,.2f}× the 2012 rate ({out['rate_2012_images_per_s']:.0f} images/s); "
        f"90 ImageNet epochs would take {out['paper_schedule_hours']:,.1f} h "
        f"(first step {out['first_step_s']:.1f} s)"
    )
