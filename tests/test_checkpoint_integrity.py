"""--resume refuses, in one line, a checkpoint whose bytes changed, that is no checkpoint, that lacks an
entry or holds one of the wrong type, or whose weights belong to another network."""

import io
import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

from nutshell.alexnet import ConfigError, TrainConfig
from nutshell.alexnet.checkpoint import (
    CHECKPOINT_NAME,
    CHECKSUM_PREFIX,
    CHECKSUM_TRAILER_SIZE,
    load_checkpoint,
    save_atomic,
)
from nutshell.alexnet.train import train
from nutshell.nets.alexnet import AlexNet, scaled_config

# The smallest run that writes a real checkpoint: one step of one epoch, one evaluation batch.
TINY = {
    "batch_size": 32,
    "max_train_batches": 1,
    "max_eval_batches": 1,
    "quiet": True,
    "device": "cpu",
}


def tiny(out, **changes) -> TrainConfig:
    return TrainConfig(out=str(out), **{**TINY, **changes})


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> bytes:
    """The bytes of a checkpoint written by the training loop after one epoch."""
    out = tmp_path_factory.mktemp("original")
    train(tiny(out, epochs=1))
    return (out / CHECKPOINT_NAME).read_bytes()


def state_of(data: bytes) -> dict:
    return torch.load(io.BytesIO(data), weights_only=True)


def refusal(out: Path, **changes) -> str:
    """The message a resume in ``out`` is refused with; it must be one line of the agreed form."""
    with pytest.raises(ConfigError) as info:
        train(tiny(out, epochs=2, resume=True, **changes))
    message = str(info.value)
    assert message.startswith(f"--resume: {out / CHECKPOINT_NAME}: "), message
    assert message.endswith(")") and "\n" not in message, message
    return message


def resaved(out: Path, state: dict) -> Path:
    """``state`` written as the training loop writes it: a checkpoint with a valid checksum."""
    path = out / CHECKPOINT_NAME
    save_atomic(state, path)
    return path


def test_the_checkpoint_carries_a_checksum_and_torch_load_still_reads_it(original, tmp_path):
    assert original[-CHECKSUM_TRAILER_SIZE:].startswith(CHECKSUM_PREFIX)
    assert zipfile.ZipFile(io.BytesIO(original)).comment.startswith(CHECKSUM_PREFIX)  # a zip comment
    assert state_of(original)["epoch"] == 1
    path = tmp_path / CHECKPOINT_NAME
    path.write_bytes(original)
    assert load_checkpoint(path)["epoch"] == 1


def test_a_resaved_unchanged_checkpoint_still_resumes(original, tmp_path):
    """The control for the cases below: loading and saving again changes nothing that matters."""
    resaved(tmp_path, state_of(original))
    result = train(tiny(tmp_path, epochs=2, resume=True))
    assert result.record["resumed_from"] == {"epoch": 1, "step": 0} and len(result.history) == 2


def test_a_flipped_byte_in_the_middle_is_refused(original, tmp_path):
    data = bytearray(original)
    data[len(data) // 2] ^= 0xFF
    (tmp_path / CHECKPOINT_NAME).write_bytes(data)
    assert "checksum mismatch" in refusal(tmp_path)


def test_a_flipped_byte_inside_a_weight_tensor_is_refused(original, tmp_path):
    state = state_of(original)
    name, weight = max(state["model"].items(), key=lambda item: item[1].numel())
    raw = weight.numpy().tobytes()
    start = original.find(raw)
    assert start > 0 and original.find(raw, start + 1) == -1  # stored once, uncompressed
    data = bytearray(original)
    data[start + (len(raw) // 8) * 4 + 3] ^= 0x40  # the exponent of a float in the middle: ×2¹²⁸
    # torch.load alone takes it without a word: that weight is now about 10³⁶ times too large
    changed = state_of(bytes(data))["model"][name]
    assert changed.abs().max() > 1e30 and weight.abs().max() < 10
    (tmp_path / CHECKPOINT_NAME).write_bytes(data)
    assert "checksum mismatch" in refusal(tmp_path)


@pytest.mark.parametrize("keep", ["half", "all but one byte", "all but the checksum"])
def test_a_truncated_checkpoint_is_refused(original, tmp_path, keep):
    size = {
        "half": len(original) // 2,
        "all but one byte": len(original) - 1,
        "all but the checksum": len(original) - CHECKSUM_TRAILER_SIZE,
    }[keep]
    (tmp_path / CHECKPOINT_NAME).write_bytes(original[:size])
    assert "no checksum at the end of the file: it is truncated" in refusal(tmp_path)


def _torch_file_without_checksum() -> bytes:
    buffer = io.BytesIO()
    torch.save({"format": 1, "model": {}}, buffer)  # what checkpoints were before they had a checksum
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, expected",
    [
        (random.Random(0).randbytes(4096), "not an AlexNet checkpoint: no checksum"),
        (json.dumps({"format": 2, "epoch": 1}).encode(), "not an AlexNet checkpoint: no checksum"),
        (b"", "the file is empty"),
        (_torch_file_without_checksum(), "no checksum at the end of the file"),
    ],
    ids=["random bytes", "json", "empty", "torch file without checksum"],
)
def test_a_foreign_file_is_refused(tmp_path, content, expected):
    (tmp_path / CHECKPOINT_NAME).write_bytes(content)
    assert expected in refusal(tmp_path)


@pytest.mark.parametrize(
    "content, expected",
    [
        ([1, 2, 3], "not an AlexNet checkpoint: it holds a list, not a dict"),
        ({"format": 1, "epoch": 1}, "written in checkpoint format 1, this version reads 2"),
    ],
    ids=["a list", "an old format"],
)
def test_a_checksummed_file_that_is_no_checkpoint_is_refused(tmp_path, content, expected):
    resaved(tmp_path, content)
    assert expected in refusal(tmp_path)


def _first_difference(ours: dict, theirs: dict) -> tuple[str, str, str]:
    for name, tensor in ours.items():
        if theirs[name].shape != tensor.shape:
            return name, "×".join(map(str, theirs[name].shape)), "×".join(map(str, tensor.shape))
    raise AssertionError("the two networks have the same shapes")


def test_weights_of_a_narrower_network_are_refused(original, tmp_path):
    """A real one-tower run (other conv widths), its settings patched to claim two towers."""
    train(tiny(tmp_path, epochs=1, two_tower=False))
    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    state["config"]["two_tower"] = True
    state["arch"] = state_of(original)["arch"]
    resaved(tmp_path, state)
    name, theirs, ours = _first_difference(AlexNet(scaled_config()).state_dict(), state["model"])
    assert name == "features.conv2.weight"
    message = refusal(tmp_path)
    assert f"{name!r} is {theirs} in the checkpoint but {ours} in this model" in message
    assert "another network" in message


def test_weights_of_a_network_with_other_classes_are_refused(original, tmp_path):
    state = state_of(original)
    state["model"] = AlexNet(scaled_config(num_classes=5)).state_dict()
    resaved(tmp_path, state)
    name, theirs, ours = _first_difference(AlexNet(scaled_config()).state_dict(), state["model"])
    assert theirs.startswith("5")
    assert f"{name!r} is {theirs} in the checkpoint but {ours} in this model" in refusal(tmp_path)


def test_weights_with_a_missing_or_an_extra_tensor_are_refused(original, tmp_path):
    state = state_of(original)
    state["model"]["features.conv9.weight"] = torch.zeros(1)
    resaved(tmp_path, state)
    assert "the weights have 'features.conv9.weight', which this model lacks" in refusal(tmp_path)
    del state["model"]["features.conv9.weight"], state["model"]["features.conv1.bias"]
    resaved(tmp_path, state)
    assert "the weights lack 'features.conv1.bias'" in refusal(tmp_path)


def test_other_class_names_are_refused(original, tmp_path):
    state = state_of(original)
    state["classes"][3] = "three"
    resaved(tmp_path, state)
    assert "class 3 is 'three' in the checkpoint, '3' in the data" in refusal(tmp_path)


def _drop(key):
    def change(state):
        del state[key]

    return change


def _drop_nested(outer, key):
    def change(state):
        target = state[outer][0] if outer == "rng" else state[outer]
        del target[key]

    return change


@pytest.mark.parametrize(
    "change, expected",
    [
        (_drop("rng"), "the checkpoint has no 'rng' entry"),
        (_drop("optimizer"), "the checkpoint has no 'optimizer' entry"),
        (_drop("model"), "the checkpoint has no 'model' entry"),
        (_drop("epoch"), "the checkpoint has no 'epoch' entry"),
        (_drop_nested("rng", "augment"), "'rng'[0] has no 'augment' entry"),
        (_drop_nested("optimizer", "param_groups"), "'optimizer' has no 'param_groups' entry"),
        (_drop_nested("optimizer", "state"), "'optimizer' has no 'state' entry"),
        (_drop_nested("partial", "count"), "'partial' has no 'count' entry"),
    ],
    ids=[
        "rng",
        "optimizer",
        "model",
        "epoch",
        "rng-augment",
        "optimizer-groups",
        "optimizer-state",
        "partial-count",
    ],
)
def test_a_missing_entry_is_refused(original, tmp_path, change, expected):
    state = state_of(original)
    change(state)
    resaved(tmp_path, state)  # a valid checksum: the layout check is what must notice
    assert expected in refusal(tmp_path)


def _set(key, value):
    def change(state):
        state[key] = value

    return change


def _set_rng(key, value):
    def change(state):
        state["rng"][0][key] = value

    return change


def _first_tensor_as_list(state):
    name = next(iter(state["model"]))
    state["model"][name] = state["model"][name].tolist()


def _wrong_momentum(state):
    entry = next(iter(state["optimizer"]["state"].values()))
    entry["momentum_buffer"] = torch.zeros(7)


def _one_parameter_less(state):
    state["optimizer"]["param_groups"][0]["params"].pop()


@pytest.mark.parametrize(
    "change, expected",
    [
        (_set("epoch", "1"), "'epoch' should be an integer, not str"),
        (_set("world_size", True), "'world_size' should be an integer, not bool"),
        (_set("step", -1), "'step' should be at least 0, not -1"),
        (_set("partial", [0.0, 0.0]), "'partial' should be a dict, not list"),
        (_set("rng", {}), "'rng' should be a list, not dict"),
        (_set("train_seconds", "fast"), "'train_seconds' should be a number, not str"),
        (_first_tensor_as_list, "'model'['features.conv1.weight'] should be a tensor, not list"),
        (_set_rng("torch", torch.zeros(3, dtype=torch.uint8)), "'rng'[0]['torch'] is not a usable generator"),
        (_set_rng("numpy", ("MT19937", 5)), "'rng'[0]['numpy'] is not a usable generator state"),
        (_set_rng("python", "state"), "'rng'[0]['python'] is not a usable generator state"),
        (
            _wrong_momentum,
            (
                "the optimizer's 'momentum_buffer' for 'features.conv1.weight' is 7 in the checkpoint "
                "but the parameter is 24×1×5×5"
            ),
        ),
        (_one_parameter_less, "optimizer group 0 holds 15 parameters in the checkpoint, 16 in this run"),
    ],
    ids=[
        "epoch",
        "world_size",
        "step",
        "partial",
        "rng",
        "train_seconds",
        "model-tensor",
        "rng-torch",
        "rng-numpy",
        "rng-python",
        "momentum-shape",
        "optimizer-params",
    ],
)
def test_a_wrong_entry_is_refused(original, tmp_path, change, expected):
    state = state_of(original)
    change(state)
    resaved(tmp_path, state)
    assert expected in refusal(tmp_path)


def test_the_command_line_says_it_in_one_line(original, tmp_path):
    data = bytearray(original)
    data[len(data) // 2] ^= 0xFF
    (tmp_path / CHECKPOINT_NAME).write_bytes(data)
    command = [
        str(Path(sys.executable).with_name("nutshell")),
        "alexnet",
        "train",
        "--epochs",
        "2",
        "--batch-size",
        "32",
        "--max-train-batches",
        "1",
        "--max-eval-batches",
        "1",
        "--device",
        "cpu",
        "--quiet",
        "--out",
        str(tmp_path),
        "--resume",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert f"error: --resume: {tmp_path / CHECKPOINT_NAME}: checksum mismatch" in done.stderr
