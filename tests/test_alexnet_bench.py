"""The benchmark: FLOP counting, the 2012 arithmetic, a CPU run, and benchmarks/alexnet_gpu.sh --tiny."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from nutshell.alexnet import BenchConfig, ConfigError
from nutshell.alexnet.bench import arithmetic_2012, count_flops, parse_variant, rate_2012, run_bench
from nutshell.alexnet.records import REQUIRED_FIELDS, load_records, records_table
from nutshell.nets.alexnet import layer_table, meta_model, paper_config

ROOT = Path(__file__).resolve().parents[1]


def test_the_2012_rate_from_the_papers_numbers():
    r = rate_2012()
    assert r["images"] == 90 * 1.2e6
    assert r["middle"] == pytest.approx(108e6 / (5.5 * 86400))  # ≈ 227 images/s
    assert round(r["low"]) == 208 and round(r["high"]) == 250
    text = "\n".join(arithmetic_2012())
    assert "108,000,000 images" in text and "227 images/s" in text and "GTX 580" in text


def test_flops_per_image():
    config = paper_config()
    flops = count_flops(config)
    assert flops["forward"] == 2 * sum(r.macs for r in layer_table(meta_model(config)))
    # a training step is about three forward passes; conv1 needs no gradient for its input
    assert 2.8 < flops["train_step"] / flops["forward"] < 3.0
    # grouped (two-tower) layers cost half of their one-tower versions, in the backward pass too
    one = count_flops(paper_config(two_tower=False))
    assert one["train_step"] / one["forward"] == pytest.approx(
        flops["train_step"] / flops["forward"], rel=0.02
    )


def test_variant_names():
    assert parse_variant("compiled-bf16") == (True, True)
    assert parse_variant("eager-fp32") == (False, False)
    with pytest.raises(ConfigError):
        parse_variant("turbo")


def test_bench_on_the_cpu_writes_a_record(tmp_path):
    cfg = BenchConfig(batch_size=1, warmup=0, steps=1, device="cpu", record_dir=str(tmp_path), quiet=True)
    (record,) = run_bench(cfg, command="nutshell alexnet bench --batch-size 1")
    assert record["variant"] == "eager-fp32" and record["images_per_s"] > 0
    assert record["parameters"] == 60_965_224 and record["input_size"] == 227
    assert record["achieved_tflops"] == pytest.approx(
        record["flops_per_image_train"] * record["images_per_s"] / 1e12
    )
    assert record["ratio_to_2012"] == pytest.approx(record["images_per_s"] / rate_2012()["middle"])
    assert record["mfu"] is None and record["matmul_bf16_tflops"] is None  # CUDA only
    saved = json.loads(Path(record["_path"]).read_text())
    assert set(REQUIRED_FIELDS) <= set(saved) and saved["kind"] == "bench"
    (loaded,), _ = load_records(tmp_path)
    table = records_table([loaded], rate_2012()["middle"])
    row = table.splitlines()[-1]
    assert loaded["date"][:10] in row and "CPU" in row and "`nutshell alexnet bench --batch-size 1`" in row
    assert "bench eager-fp32, batch 1" in row


def test_records_that_do_not_fit_are_reported(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "partial.json").write_text('{"kind": "train"}')
    records, problems = load_records(tmp_path)
    assert records == [] and {Path(p.split(":")[0]).name for p in problems} == {"broken.json", "partial.json"}
    assert any("missing field 'images_per_s'" in p for p in problems)
    assert load_records(tmp_path / "empty") == ([], [])


@pytest.mark.slow
def test_gpu_script_in_tiny_mode_on_the_cpu(tmp_path):
    env = dict(os.environ, TINY="1", OUT=str(tmp_path / "out"))
    done = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "alexnet_gpu.sh")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "== machine" in done.stdout and "torch" in done.stdout and "images/s" in done.stdout
    records, problems = load_records(tmp_path / "out")
    assert problems == []
    assert sorted((r["kind"], r.get("variant")) for r in records) == [
        ("bench", "eager-bf16"),
        ("bench", "eager-fp32"),
        ("train", None),
    ]
    (trained,) = [r for r in records if r["kind"] == "train"]
    assert trained["model"] == "AlexNet (2012)" and trained["input_size"] == 224
    assert trained["parameters"] == 60_965_224 - 4096 * 990 - 990  # ten classes, not 1000


def test_gpu_script_rejects_unknown_options():
    done = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "alexnet_gpu.sh"), "--fast"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2 and "unknown option '--fast'" in done.stderr
