"""Loader and validation: one test per kind of problem, each asserting the message and its position."""

from __future__ import annotations

from pathlib import Path

import pytest

from nutshell.load import DataError, load_knowledge, load_knowledge_or_raise
from tests.conftest import FIXTURES, replace_in


def problems_of(data_dir: Path) -> list[str]:
    knowledge, problems = load_knowledge(data_dir)
    assert knowledge is None and problems, "expected the data to be rejected"
    return [str(p) for p in problems]


def only_problem(data_dir: Path) -> str:
    found = problems_of(data_dir)
    assert len(found) == 1, found
    return found[0]


def test_fixture_data_loads_with_derived_backlinks():
    knowledge, problems = load_knowledge(FIXTURES / "data")
    assert problems == []
    assert [m.id for m in knowledge.milestones] == ["first-neuron", "backprop-nature"]
    # written once on the milestone side, shown on the term side too
    assert [m.id for m in knowledge.milestones_for_term("backpropagation")] == ["backprop-nature"]
    # see_also written on perceptron and gradient-descent only, shown on backpropagation as well
    assert [t.id for t in knowledge.related_terms("backpropagation")] == ["gradient-descent", "perceptron"]
    assert knowledge.demo_ids == ("toy",)
    toy = knowledge.demo_by_id["toy"]  # read from demos/ beside data/, as the build reads it
    assert (toy.title, toy.path.name) == ("A toy demo", "toy.py")
    assert toy.description.startswith("Adds two numbers")
    assert knowledge.milestone_by_id["first-neuron"].source.link == "https://doi.org/10.1007/BF02478259"


def test_unknown_key_suggests_the_right_one(data_copy):
    replace_in(data_copy / "milestones.yaml", "  summary: |\n    A neuron", "  sumary: |\n    A neuron")
    found = problems_of(data_copy)
    assert any(
        p.startswith("data/milestones.yaml:5:3:".replace("data/", str(data_copy) + "/"))
        or ":5:3: milestone 'first-neuron': unknown key 'sumary' (did you mean 'summary'?)" in p
        for p in found
    ), found
    assert any("missing required key 'summary'" in p for p in found)


def test_duplicate_key_is_rejected_with_both_lines(data_copy):
    replace_in(data_copy / "glossary.yaml", "  category: architecture\n", "  category: architecture\n  category: concept\n")
    message = only_problem(data_copy)
    assert message.endswith(
        "glossary.yaml:5:3: duplicate key 'category' (first at line 4); "
        "YAML would silently keep only the last one, so remove one of them"
    )


def test_missing_required_key_points_at_the_entry(data_copy):
    replace_in(data_copy / "eras.yaml", "  title: Early days\n", "")
    assert only_problem(data_copy).endswith("eras.yaml:1:3: era 'early': missing required key 'title'")


def test_wrong_type_for_a_year(data_copy):
    replace_in(data_copy / "milestones.yaml", "  year: 1943\n  title", "  year: nineteen\n  title")
    assert "milestones.yaml:2:9: milestone 'first-neuron': year must be a whole number" in only_problem(data_copy)


def test_list_expected(data_copy):
    replace_in(data_copy / "milestones.yaml", "  tags: [neuron-models]", "  tags: neuron-models")
    assert "tags must be a list (write [] for none)" in only_problem(data_copy)


def test_dangling_reference_suggests_the_closest_id(data_copy):
    replace_in(data_copy / "milestones.yaml", "terms: [perceptron]", "terms: [perceptorn]")
    message = only_problem(data_copy)
    assert "milestones.yaml:19:11: terms: unknown term 'perceptorn' (did you mean 'perceptron'?)" in message


def test_unknown_demo(data_copy):
    replace_in(data_copy / "milestones.yaml", "demos: [toy]", "demos: [tyo]")
    assert "demos: unknown demo (a file in demos/) 'tyo' (did you mean 'toy'?)" in only_problem(data_copy)


def test_duplicate_id(data_copy):
    replace_in(data_copy / "milestones.yaml", "- id: backprop-nature", "- id: first-neuron")
    found = problems_of(data_copy)
    assert any("milestones.yaml:21:7: milestone id 'first-neuron' is used twice (first at line 1)" in p for p in found)


def test_year_outside_its_era(data_copy):
    replace_in(data_copy / "milestones.yaml", "  era: early", "  era: later")
    assert "year 1943 lies outside its era 'later' (1970–2015)" in only_problem(data_copy)


def test_year_must_match_the_primary_source(data_copy):
    replace_in(data_copy / "milestones.yaml", "    year: 1986\n", "    year: 1985\n")
    assert "year 1986 differs from its source's year 1985" in only_problem(data_copy)


def test_short_definition_too_long(data_copy):
    replace_in(data_copy / "glossary.yaml", "learns a linear decision boundary.", "learns a linear decision boundary." + " x" * 80)
    message = only_problem(data_copy)
    assert "glossary.yaml:5:10: short is 243 characters; keep it at most 160" in message


def test_short_must_be_plain_text(data_copy):
    replace_in(data_copy / "glossary.yaml", "learns a linear decision boundary.", "learns a **linear** boundary.")
    assert "short must be plain text" in only_problem(data_copy)


def test_python_tags_are_refused(data_copy):
    replace_in(data_copy / "eras.yaml", "  title: Early days", "  title: !!python/object/apply:os.system ['true']")
    found = problems_of(data_copy)
    assert any("eras.yaml:2:10: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in p
               for p in found), found


def test_aliases_are_refused_so_alias_bombs_cannot_expand(data_copy):
    bomb = "- &a [x, x, x, x, x, x, x, x, x]\n- &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n- [*b, *b, *b, *b, *b, *b, *b]\n"
    (data_copy / "eras.yaml").write_text(bomb, encoding="utf-8")
    message = only_problem(data_copy)
    assert "eras.yaml:2:7: YAML syntax: YAML aliases (*name) are not allowed here" in message


def test_yaml_syntax_error_has_a_position(data_copy):
    replace_in(data_copy / "glossary.yaml", "  aliases: []\n  category: architecture", "  aliases: [\n  category: architecture")
    message = only_problem(data_copy)
    assert "glossary.yaml:" in message and "YAML syntax:" in message


def test_bad_date(data_copy):
    replace_in(data_copy / "milestones.yaml", 'date: "1986-10"', 'date: "1986-13"')
    assert "date '1986-13' is not a date" in only_problem(data_copy)


def test_date_disagreeing_with_year(data_copy):
    replace_in(data_copy / "milestones.yaml", 'date: "1986-10"', 'date: "1985-10"')
    assert "date 1985-10 disagrees with year 1986" in only_problem(data_copy)


def test_source_needs_doi_or_url(data_copy):
    replace_in(data_copy / "milestones.yaml", "    url: https://example.org/paper\n", "")
    assert "a source needs a 'doi' or a stable 'url'" in only_problem(data_copy)


def test_malformed_doi(data_copy):
    replace_in(data_copy / "milestones.yaml", "doi: 10.1007/BF02478259", "doi: https://doi.org/10.1007/BF02478259")
    assert "is not a bare DOI" in only_problem(data_copy)


def test_url_must_be_http(data_copy):
    replace_in(data_copy / "milestones.yaml", "url: https://example.org/paper", "url: ftp://example.org/paper")
    assert only_problem(data_copy).endswith(
        "milestones.yaml:37:10: milestone 'backprop-nature': source: url 'ftp://example.org/paper' "
        "is not an http(s) URL")


def test_era_that_ends_before_it_starts(data_copy):
    replace_in(data_copy / "eras.yaml", "  end: 1969", "  end: 1930")
    found = problems_of(data_copy)
    assert any(p.endswith("eras.yaml:4:8: era 'early' ends (1930) before it starts (1940)") for p in found), found


def test_overlapping_eras(data_copy):
    replace_in(data_copy / "eras.yaml", "  start: 1970", "  start: 1960")
    found = problems_of(data_copy)
    assert any("era 'later' starts in 1960, inside era 'early' (1940–1969); eras must not overlap" in p for p in found)


def test_unknown_category(data_copy):
    replace_in(data_copy / "glossary.yaml", "category: optimization", "category: optimisation")
    assert "unknown category 'optimisation' (did you mean 'optimization'?)" in only_problem(data_copy)


def test_mutual_see_also_is_written_twice(data_copy):
    replace_in(data_copy / "glossary.yaml", "  see_also: []\n  milestones: []\n  demos: []\n  sources: []\n- id: gradient",
               "  see_also: [perceptron]\n  milestones: []\n  demos: []\n  sources: []\n- id: gradient")
    assert "'backpropagation' and 'perceptron' list each other" in only_problem(data_copy)


def test_link_written_on_both_sides(data_copy):
    replace_in(data_copy / "glossary.yaml", "  milestones: []\n  demos: [toy]", "  milestones: [first-neuron]\n  demos: [toy]")
    assert "milestones: 'first-neuron' already lists this term in its 'terms'" in only_problem(data_copy)


def test_alias_naming_two_terms(data_copy):
    replace_in(data_copy / "glossary.yaml", "aliases: [steepest descent]", "aliases: [steepest descent, back-prop]")
    message = only_problem(data_copy)
    assert "alias 'back-prop' also names term 'backpropagation'" in message


def test_every_problem_is_reported_at_once(data_copy):
    replace_in(data_copy / "milestones.yaml", "terms: [perceptron]", "terms: [nope]")
    replace_in(data_copy / "glossary.yaml", "category: optimization", "category: nope")
    replace_in(data_copy / "eras.yaml", "  title: Early days", "  titel: Early days")
    found = problems_of(data_copy)
    assert len(found) >= 3
    assert {Path(p.split(":")[0]).name for p in found} == {"milestones.yaml", "glossary.yaml", "eras.yaml"}


def test_missing_and_empty_files(data_copy):
    (data_copy / "eras.yaml").unlink()
    (data_copy / "glossary.yaml").write_text("", encoding="utf-8")
    found = problems_of(data_copy)
    assert any(p.endswith("eras.yaml:1:1: file not found (create it; see docs/contributing.md)") for p in found)
    assert any(p.endswith("glossary.yaml:1:1: file is empty (it must hold a YAML list of entries)") for p in found)


def test_load_or_raise_lists_every_problem(data_copy):
    replace_in(data_copy / "milestones.yaml", "terms: [perceptron]", "terms: [nope]")
    with pytest.raises(DataError) as caught:
        load_knowledge_or_raise(data_copy)
    assert "unknown term 'nope'" in str(caught.value)


# ── demos are part of the knowledge ─────────────────────────────────────────


def test_helper_scripts_are_not_demos(data_copy):
    (data_copy.parent / "demos" / "_plotting.py").write_text("import math\n", encoding="utf-8")
    knowledge, problems = load_knowledge(data_copy)
    assert problems == [] and knowledge.demo_ids == ("toy",)


@pytest.mark.parametrize(("name", "text", "position", "message"), [
    ("broken.py", "print('no prose')\n", "1:1",
     "no '# %% [markdown]' cell; a demo starts with one holding its '# Title'"),
    ("untitled.py", "# %% [markdown]\n# Just prose.\n", "1:1", "its first Markdown cell has no '# Title' heading"),
    ("Bad_Name.py", "# %% [markdown]\n# # Title\n#\n# Prose.\n", "1:1",
     "demo file names must be lowercase kebab-case, like 'xor-gate.py'"),
])
def test_a_malformed_demo_is_a_problem_at_its_file(data_copy, name, text, position, message):
    (data_copy.parent / "demos" / name).write_text(text, encoding="utf-8")
    found = only_problem(data_copy)
    assert found == f"{data_copy.parent / 'demos' / name}:{position}: {message}"


def test_a_reference_to_a_malformed_demo_is_not_also_unknown(data_copy):
    (data_copy.parent / "demos" / "broken.py").write_text("print('no prose')\n", encoding="utf-8")
    replace_in(data_copy / "milestones.yaml", "demos: [toy]", "demos: [toy, broken]")
    assert "broken.py:1:1: no '# %% [markdown]' cell" in only_problem(data_copy)


def test_without_a_demos_folder_there_are_no_demos(data_copy):
    (data_copy.parent / "demos" / "toy.py").unlink()
    (data_copy.parent / "demos").rmdir()
    found = problems_of(data_copy)
    assert len(found) == 2 and all("unknown demo (a file in demos/) 'toy' (there are none yet)" in p for p in found)
    replace_in(data_copy / "milestones.yaml", "demos: [toy]", "demos: []")
    replace_in(data_copy / "glossary.yaml", "demos: [toy]", "demos: []")
    knowledge, problems = load_knowledge(data_copy)
    assert problems == [] and knowledge.demos == ()
