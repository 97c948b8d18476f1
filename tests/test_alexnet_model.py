"""AlexNet as published: parameter counts, layer arithmetic, response normalisation, initialisation."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from nutshell.alexnet.report import deviations, format_table
from nutshell.nets.alexnet import (
    PAPER_CONVS,
    ResponseNorm,
    count_parameters,
    feature_map_sizes,
    layer_table,
    meta_model,
    paper_config,
    paper_lrn_reference,
    scaled_alexnet,
    scaled_config,
    torch_lrn_alpha,
)

# The famous "60 million": exact counts for each way of handling the input (see nets/alexnet.py).
PAPER_227 = 60_965_224
PAPER_224_UNPADDED = 49_430_888
PAPER_ONE_TOWER = 62_378_344
SCALED = 266_426


@pytest.mark.parametrize(
    "config, expected",
    [
        (paper_config(), PAPER_227),
        (paper_config(input_size=224), PAPER_227),  # conv1 padded by 2: the same maps, the same weights
        (paper_config(input_size=224).replace(convs=PAPER_CONVS), PAPER_224_UNPADDED),
        (paper_config(two_tower=False), PAPER_ONE_TOWER),
        (scaled_config(), SCALED),
    ],
    ids=["227", "224-padded", "224-unpadded", "one-tower", "scaled"],
)
def test_parameter_counts(config, expected):
    assert count_parameters(meta_model(config)) == expected


def test_layer_table_matches_the_paper_figure():
    rows = {r.name: r for r in layer_table(meta_model(paper_config()))}
    assert rows["conv1"].shape == (96, 55, 55)
    assert rows["pool1"].shape == (96, 27, 27)
    assert rows["pool2"].shape == (256, 13, 13)
    assert rows["conv5"].shape == (256, 13, 13)
    assert rows["pool5"].shape == (256, 6, 6)
    assert rows["fc8"].shape == (1000,)
    assert rows["fc6"].params == 256 * 6 * 6 * 4096 + 4096
    assert sum(r.params for r in rows.values()) == PAPER_227
    assert sum(r.macs for r in rows.values()) == 724_406_816
    assert feature_map_sizes(paper_config()) == [27, 13, 13, 13, 6]
    table = format_table(list(rows.values()), (3, 227, 227))
    assert "60,965,224" in table and "| conv2 |" in table


def test_table_multiply_adds_agree_with_flop_counter():
    model = meta_model(paper_config())
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, 227, 227, device="meta"))
    assert counter.get_total_flops() == 2 * sum(r.macs for r in layer_table(model))


def test_towers_group_conv2_conv4_conv5_only():
    model = meta_model(paper_config())
    groups = {n: m.groups for n, m in model.features.named_children() if isinstance(m, nn.Conv2d)}
    assert groups == {"conv1": 1, "conv2": 2, "conv3": 1, "conv4": 2, "conv5": 2}
    one = meta_model(paper_config(two_tower=False))
    assert all(m.groups == 1 for m in one.modules() if isinstance(m, nn.Conv2d))


def test_dropout_on_the_outputs_of_the_two_hidden_layers():
    names = [n for n, _ in meta_model(paper_config()).classifier.named_children()]
    assert names == ["fc6", "relu6", "drop6", "fc7", "relu7", "drop7", "fc8"]


def test_lrn_constants_reproduce_the_paper_formula():
    torch.manual_seed(0)
    a = torch.randn(2, 12, 4, 4) * 30  # large activations, so the sum term matters
    expected = paper_lrn_reference(a, n=5, k=2.0, alpha=1e-4, beta=0.75)
    ours = ResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)(a)
    torch.testing.assert_close(ours, expected, rtol=1e-5, atol=1e-6)
    # PyTorch's own module with the converted alpha is the same thing ...
    torch.testing.assert_close(
        nn.LocalResponseNorm(5, alpha=torch_lrn_alpha(1e-4, 5), beta=0.75, k=2.0)(a), expected
    )
    # ... and with the paper's alpha copied verbatim it is not.
    naive = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)(a)
    assert not torch.allclose(naive, expected, rtol=1e-3)
    assert torch_lrn_alpha(1e-4, 5) == pytest.approx(5e-4)


def test_lrn_stays_inside_each_tower():
    a = torch.randn(1, 8, 3, 3) * 30
    two = ResponseNorm(5, 1e-4, 0.75, 2.0, towers=2)(a)
    halves = torch.cat([paper_lrn_reference(a[:, :4]), paper_lrn_reference(a[:, 4:])], dim=1)
    torch.testing.assert_close(two, halves, rtol=1e-5, atol=1e-6)


def test_paper_initialisation():
    torch.manual_seed(0)
    model = scaled_alexnet(init="paper")
    layers = dict(model.features.named_children()) | dict(model.classifier.named_children())
    for name in ("conv2", "conv4", "conv5", "fc6", "fc7"):
        assert torch.all(layers[name].bias == 1), name
    for name in ("conv1", "conv3", "fc8"):
        assert torch.all(layers[name].bias == 0), name
    weights = torch.cat([layers[n].weight.detach().flatten() for n in ("conv3", "fc6")])
    assert weights.mean().abs() < 1e-3
    assert weights.std().item() == pytest.approx(0.01, rel=0.05)


def test_scaled_model_runs_and_checks_its_input():
    model = scaled_alexnet()
    assert model(torch.randn(3, 1, 28, 28)).shape == (3, 10)
    with pytest.raises(ValueError, match="expects input"):
        model(torch.randn(3, 1, 32, 32))


def test_deviations_are_data():
    assert deviations(paper_config()) == []
    assert [d.aspect for d in deviations(paper_config(input_size=224))] == ["input size"]
    found = {d.aspect: d for d in deviations(scaled_config())}
    assert set(found) == {"in channels", "input size", "convs", "hidden", "num classes", "init"}
    assert found["hidden"].paper == "4096 → 4096" and found["hidden"].here == "256 → 256"
    assert all(d.why for d in found.values())
