"""Content integrity of the real data: counts, seed concepts, citations, links, and our own words."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nutshell.load import load_knowledge_or_raise
from tests.conftest import ROOT

SEED_TOOL = ROOT.parent / "shared" / "tools" / "seed_overlap.py"

# Every concept the seed article names (its glossary headings and the terms its history uses).
SEED_CONCEPT_IDS = [
    "perceptron", "ai-winter", "alexnet", "training", "gradient-descent", "stochastic-gradient-descent",
    "backpropagation", "relu", "momentum", "nesterov-accelerated-gradient", "rmsprop", "dropout",
    "l1-regularization", "l2-regularization", "vanishing-gradient", "exploding-gradient", "layer-wise-pretraining",
    "lstm", "support-vector-machine", "convolutional-neural-network", "pooling", "overlapping-pooling", "gpu",
    "feature-engineering", "feature-learning", "saddle-point", "local-minimum", "loss-function",
    "activation-function", "sigmoid", "delta-rule", "xor-problem", "mnist", "imagenet", "ilsvrc",
    "distributed-representation", "connectionism", "symbolic-ai", "weight-matrix", "forward-pass",
    "backward-pass", "learning-rate", "regularization", "generalization", "overfitting",
]

# Every dated event of the seed article's history (by our milestone ids).
SEED_EVENT_IDS = [
    "ivakhnenko-lapa-gmdh-1965", "fukushima-neocognitron-1979", "linnainmaa-reverse-mode-1970",
    "werbos-neural-application-1982", "rumelhart-hinton-williams-report-1985", "lecun-zip-codes-1989",
    "hochreiter-diploma-thesis-1991", "hinton-salakhutdinov-science-2006", "krizhevsky-alexnet-2012",
    "rosenblatt-perceptron-1958", "minsky-papert-perceptrons-1969", "nesterov-accelerated-gradient-1983",
    "hinton-dropout-preprint-2012", "tieleman-hinton-rmsprop-2012",
]


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge_or_raise(ROOT / "data")


def test_counts(knowledge):
    assert len(knowledge.milestones) >= 40
    assert len(knowledge.terms) >= 70
    years = [m.year for m in knowledge.milestones]
    assert min(years) == 1943 and max(years) >= 2014


@pytest.mark.parametrize("term_id", SEED_CONCEPT_IDS)
def test_every_seed_concept_has_an_entry(knowledge, term_id):
    assert term_id in knowledge.term_by_id


@pytest.mark.parametrize("milestone_id", SEED_EVENT_IDS)
def test_every_seed_event_is_a_milestone(knowledge, milestone_id):
    assert milestone_id in knowledge.milestone_by_id


def test_every_milestone_cites_a_primary_source_with_a_link(knowledge):
    for milestone in knowledge.milestones:
        source = milestone.source
        assert source.authors and source.title and source.venue, milestone.id
        assert source.link and source.link.startswith(("https://", "http://")), milestone.id


def test_every_term_has_a_source_or_a_milestone(knowledge):
    bare = [t.id for t in knowledge.terms if not t.sources and not knowledge.milestones_for_term(t.id)]
    assert bare == []


def test_no_orphan_terms(knowledge):
    """Each term is reachable from somewhere else: a milestone, another term's see-also, or a demo page."""
    linked = {t for m in knowledge.milestones for t in m.terms}
    linked |= {other for t in knowledge.terms for other in t.see_also}
    linked |= {t.id for t in knowledge.terms if t.see_also}  # shown on the other side too
    linked |= {t.id for t in knowledge.terms if t.demos}
    orphans = sorted(t.id for t in knowledge.terms if t.id not in linked)
    assert orphans == []


def test_every_era_has_an_introduction_and_milestones(knowledge):
    for era in knowledge.eras:
        assert len(era.intro.split()) >= 60, f"era {era.id}: the introduction should tell the story"
        assert knowledge.milestones_in_era(era.id), era.id


@pytest.mark.skipif(not SEED_TOOL.is_file(), reason="shared/tools/seed_overlap.py is not beside the checkout")
def test_no_prose_shared_with_the_seed_article():
    paths = [str(ROOT / p) for p in ("data", "docs", "demos", "README.md")]
    result = subprocess.run([sys.executable, str(SEED_TOOL), *paths], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
