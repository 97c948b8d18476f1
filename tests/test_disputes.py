"""Contested credit as data: data/disputes.yaml is loaded, checked, rendered side by side and exported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nutshell import render
from nutshell.load import load_knowledge

DISPUTE = """\
- id: who-was-first
  question: Who was first, the neuron or the network?
  summary: |
    Two accounts disagree on which paper *started* it.
  claims:
    - claim: |
        The 1943 logical neuron came first.
      credits: [first-neuron]
      by: [Ada Example]
      source:
        authors: [Ada Example]
        title: An account
        venue: Journal of Accounts
        year: 2001
        url: https://example.org/account
    - claim: |
        Learning by backprop is what counts; that came in 1986.
      credits: [backprop-nature]
      by: [Bo Example, Cy Example]
      source:
        authors: [Bo Example]
        title: Another account
        venue: Review of Accounts
        year: 2002
        doi: 10.1000/another
"""


@pytest.fixture
def disputed(data_copy: Path) -> Path:
    (data_copy / "disputes.yaml").write_text(DISPUTE, encoding="utf-8")
    return data_copy


def test_disputes_load_with_their_claims_and_credited_milestones(disputed):
    knowledge, problems = load_knowledge(disputed)
    assert problems == []
    [dispute] = knowledge.disputes
    assert dispute.question == "Who was first, the neuron or the network?"
    assert [c.credits for c in dispute.claims] == [("first-neuron",), ("backprop-nature",)]
    assert dispute.claims[1].by == ("Bo Example", "Cy Example")
    assert dispute.claims[1].source.doi == "10.1000/another"
    assert [d.id for d in knowledge.disputes_for_milestone("backprop-nature")] == ["who-was-first"]


def test_the_file_is_optional(data_copy):
    knowledge, problems = load_knowledge(data_copy)
    assert problems == [] and knowledge.disputes == ()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("credits: [backprop-nature]", "credits: [backprop-natur]",
         "disputes.yaml:16:7: dispute 'who-was-first': claim 2: credits: unknown milestone 'backprop-natur' "
         "(did you mean 'backprop-nature'?)"),
        ("credits: [first-neuron]", "credits: []",
         "disputes.yaml:6:7: dispute 'who-was-first': claim 1: credits: name at least one milestone id"),
        ("        url: https://example.org/account\n", "",
         "disputes.yaml:11:9: dispute 'who-was-first': claims item 1: source: a source needs a 'doi' or a stable 'url'"),
        ("      by: [Ada Example]\n", "      by: [Ada Example]\n      for: [x]\n",
         "disputes.yaml:10:7: dispute 'who-was-first': claims item 1: unknown key 'for' (allowed: claim, credits, by, source)"),
        ("Two accounts disagree", "Two <script>accounts</script> disagree",
         "disputes.yaml:4:9: dispute 'who-was-first': summary: raw HTML is not allowed"),
    ],
)
def test_bad_disputes_are_located(disputed, old, new, expected):
    path = disputed / "disputes.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    _, problems = load_knowledge(disputed)
    shown = [str(p) for p in problems]
    assert any(expected in line for line in shown), shown


def test_a_single_claim_is_no_dispute(disputed):
    path = disputed / "disputes.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("    - claim: |\n        Learning")], encoding="utf-8")
    _, problems = load_knowledge(disputed)
    assert any("list at least two positions side by side" in str(p) for p in problems), problems


def test_the_page_sets_the_claims_side_by_side_with_sources_and_timeline_links(disputed):
    knowledge, _ = load_knowledge(disputed)
    page = render.disputes_markdown(knowledge)
    assert "## Who was first, the neuron or the network? {#who-was-first}" in page
    assert page.count('<div class="nutshell-claim" markdown>') == 2
    assert "[1943 · A logical neuron](timeline.md#first-neuron)" in page
    assert "[1986 · Backprop in Nature](timeline.md#backprop-nature)" in page
    assert "**Held by** Bo Example, Cy Example" in page
    assert "[doi:10.1000/another](https://doi.org/10.1000/another)" in page
    assert "disputes.md" in render.generated_pages(knowledge)


def test_json_export_carries_disputes_and_the_milestones_name_them(disputed):
    knowledge, _ = load_knowledge(disputed)
    exported = json.loads(render.disputes_json(knowledge))
    assert exported["count"] == 1
    [record] = exported["disputes"]
    assert record["milestones"] == ["first-neuron", "backprop-nature"]
    assert record["claims"][0]["credits"] == ["first-neuron"]
    assert record["url"] == "disputes/#who-was-first"
    milestones = json.loads(render.milestones_json(knowledge))["milestones"]
    assert all(m["disputes"] == ["who-was-first"] for m in milestones)


def test_cli_lists_only_disputed_milestones_with_the_question(disputed, tmp_path):
    text = disputed / "disputes.yaml"
    text.write_text(text.read_text(encoding="utf-8").replace("credits: [backprop-nature]", "credits: [first-neuron]"),
                    encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "nutshell.cli", "timeline", "--disputed", "--data", str(disputed)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "1943  A logical neuron" in run.stdout and "Backprop in Nature" not in run.stdout
    assert "disputed: Who was first, the neuron or the network? (2 of 2 positions credit it)" in " ".join(
        run.stdout.split())
    as_json = subprocess.run(
        [sys.executable, "-m", "nutshell.cli", "timeline", "--disputed", "--json", "--data", str(disputed)],
        capture_output=True, text=True, cwd=tmp_path)
    document = json.loads(as_json.stdout)
    assert [m["id"] for m in document["milestones"]] == ["first-neuron"]
    assert document["milestones"][0]["disputes"] == ["who-was-first"]


def test_a_disputed_milestone_links_to_the_dispute_from_its_card(disputed):
    knowledge, _ = load_knowledge(disputed)
    page = render.timeline_markdown(knowledge)
    card = page[page.index("{#first-neuron}"):page.index("<details", page.index("{#first-neuron}"))]
    assert "[credit disputed: Who was first, the neuron or the network?](disputes.md#who-was-first)" in card
