"""Term lookup, on the real glossary: what a reader types finds the term, lists the few it could mean, or
suggests what is plausible, and never guesses between two."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from nutshell.load import load_knowledge
from nutshell.lookup import Match, TermIndex, edit_distance, normalize, singular_forms, words
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def knowledge():
    loaded, problems = load_knowledge(ROOT / "data")
    assert not problems, problems
    return loaded


@pytest.fixture(scope="module")
def index(knowledge) -> TermIndex:
    return TermIndex.from_knowledge(knowledge)


# ── Pieces ──


def test_normalize_drops_case_spaces_and_punctuation():
    assert normalize("Back-Propagation ") == "backpropagation"
    assert normalize("L2 regularisation") == "l2regularisation"


def test_singular_forms():
    assert singular_forms("minibatches") == ["minibatch", "minibatche"]
    assert singular_forms("relus") == ["relu"]
    assert singular_forms("families") == ["family", "famili", "familie"]


def test_words_drop_possessives_accents_and_punctuation():
    assert words("Nesterov's accelerated-gradient") == ["nesterov", "accelerated", "gradient"]
    assert words("NESTEROV’S") == ["nesterov"]
    assert words("experts' opinion") == ["experts", "opinion"]
    assert words("McCulloch–Pitts neuron") == ["mcculloch", "pitts", "neuron"]
    assert words("Méthode générale") == ["methode", "generale"]


@pytest.mark.parametrize("a, b, distance", [
    ("dropout", "dropout", 0), ("dropuot", "dropout", 1), ("perceptorn", "perceptron", 1),
    ("gradiant", "gradient", 1), ("boltzman", "boltzmann", 1), ("transformer", "transfer", 3),
])
def test_edit_distance_counts_a_swap_as_one(a, b, distance):
    assert edit_distance(a, b, limit=5) == distance
    if distance:  # past the limit, it stops counting: limit + 1
        assert edit_distance(a, b, limit=distance - 1) == distance


# ── Rule 1: exact ──


@pytest.mark.parametrize("query, expected", [
    ("dropout", "dropout"),
    ("DROPOUT", "dropout"),
    ("nesterov-accelerated-gradient", "nesterov-accelerated-gradient"),  # the id
    ("Nesterov accelerated gradient", "nesterov-accelerated-gradient"),  # the name
    ("NAG", "nesterov-accelerated-gradient"),  # an alias
    ("nesterov momentum", "nesterov-accelerated-gradient"),
    ("back propagation", "backpropagation"),  # hyphen or space
    ("Back-Propagation", "backpropagation"),
    ("backprop", "backpropagation"),
    ("ReLUs", "relu"),  # plurals
    ("rectified linear units", "relu"),
    ("mini batches", "mini-batch"),
    ("boltzmann machines", "boltzmann-machine"),
    ("local minima", "local-minimum"),
    ("Nesterov's method", "nesterov-accelerated-gradient"),  # possessives, with either apostrophe or none
    ("Nesterov’s method", "nesterov-accelerated-gradient"),
    ("Nesterov method", "nesterov-accelerated-gradient"),
    ("Hebb's rule", "hebbian-learning"),
    ("Hebb rule", "hebbian-learning"),
    ("Bellman's principle of optimality", "dynamic-programming"),
    ("the perceptron", "perceptron"),  # a word that says nothing
    ("weight decay", "l2-regularization"),
    ("McCulloch-Pitts neuron", "artificial-neuron"),  # an en dash in the data, a hyphen typed
])
def test_exact(index, query, expected):
    assert index.find(query) == Match(expected)


# ── Rule 2: a word of a name or alias ──


@pytest.mark.parametrize("query, expected", [
    ("nesterov", "nesterov-accelerated-gradient"),  # the home page's own example
    ("Nesterov's", "nesterov-accelerated-gradient"),
    ("nesterovs", "nesterov-accelerated-gradient"),
    ("polyak", "momentum"),  # a word of an alias only
    ("xavier", "weight-initialization"),
    ("kohonen", "self-organizing-map"),
    ("rosenblatt", "perceptron"),
    ("widrow", "delta-rule"),
    ("restricted boltzmann", "restricted-boltzmann-machine"),  # every word typed, in one term
    ("support vector", "support-vector-machine"),
    ("deep q", "deep-q-network"),
    ("schedule", "learning-rate-schedule"),
    ("winter", "ai-winter"),
])
def test_a_distinctive_word_finds_its_term(index, query, expected):
    assert index.find(query) == Match(expected)


@pytest.mark.parametrize("query, candidates", [
    ("boltzmann", ("boltzmann-machine", "restricted-boltzmann-machine")),
    ("Boltzmann's", ("boltzmann-machine", "restricted-boltzmann-machine")),
    ("descent", ("gradient-descent", "stochastic-gradient-descent", "mini-batch")),
    ("ai", ("ai-winter", "strong-ai", "symbolic-ai")),
    ("transfer", ("transfer-learning", "activation-function")),
    ("convolutional", ("convolution", "convolutional-neural-network")),
])
def test_a_word_of_several_terms_lists_them_all_and_picks_none(index, query, candidates):
    assert index.find(query) == Match(None, candidates=candidates)


def test_a_common_word_lists_every_term_with_it_names_first(index, knowledge):
    match = index.find("network")
    assert match.term_id is None and match.suggestions == ()
    assert len(match.candidates) == len(set(match.candidates)) >= 15
    assert "neural-network" in match.candidates[:4]
    names = [knowledge.term_by_id[i].term.lower() for i in match.candidates]
    in_name = ["network" in n for n in names]
    assert in_name == sorted(in_name, reverse=True)  # terms named "… network" before those with an alias


def test_a_single_letter_is_not_a_distinctive_word(index):
    assert index.find("q") == Match(None)


# ── Rule 3: a prefix ──


@pytest.mark.parametrize("query, expected", [
    ("drop", "dropout"),
    ("minib", "mini-batch"),
    ("kohon", "self-organizing-map"),
    ("hopf", "hopfield-network"),
])
def test_a_prefix_of_one_term_finds_it(index, query, expected):
    assert index.find(query) == Match(expected)


@pytest.mark.parametrize("query, candidates", [
    ("regular", ("regularization", "l1-regularization", "l2-regularization", "dropout")),
    ("boltzman", ("boltzmann-machine", "restricted-boltzmann-machine")),
    ("backpropagat", ("backpropagation", "backpropagation-through-time", "rprop")),
])
def test_a_prefix_of_several_terms_lists_them(index, query, candidates):
    assert index.find(query) == Match(None, candidates=candidates)


def test_two_letters_are_not_a_prefix(index):
    assert index.find("re").candidates == ()


# ── Nothing found: suggestions, only plausible ones ──


@pytest.mark.parametrize("query, first", [
    ("dropuot", "dropout"),
    ("perceptorn", "perceptron"),
    ("backpropogation", "backpropagation"),
    ("tahn", "tanh"),
    ("adma", "adam"),
    ("gradiant", "gradient"),
    ("nesterov momentom", "nesterov-accelerated-gradient"),
    ("stochastic gradiant", "stochastic-gradient-descent"),
    ("deep convolutional network", "convolutional-neural-network"),
    ("gd", "gradient-descent"),  # no alias says "GD": the initials of the name
])
def test_a_near_miss_is_suggested_not_matched(index, query, first):
    match = index.find(query)
    assert match.term_id is None and match.candidates == ()
    assert match.suggestions[0] == first and len(match.suggestions) <= 3


@pytest.mark.parametrize("query", ["transformer", "attention", "bert", "gpt", "vae", "zzzzqqq", "xyz", " ", "?!"])
def test_nothing_plausible_suggests_nothing(index, query):
    assert index.find(query) == Match(None)


def test_lr_is_the_learning_rate_not_local_response_normalisation(index):
    assert index.find("lr").term_id == "learning-rate"  # the alias "LR"


def test_every_id_name_and_alias_of_the_glossary_finds_its_own_term(index, knowledge):
    for term in knowledge.terms:
        for name in (term.id, term.term, *term.aliases):
            found = index.find(name).term_id
            assert found == term.id or found is None and index.find(name).candidates, (name, found)


def test_every_name_finds_exactly_its_term(index, knowledge):
    for term in knowledge.terms:
        assert index.find(term.term) == Match(term.id)


# ── Fast enough to do on every `nutshell define` ──


def test_building_the_index_and_a_lookup_take_a_few_milliseconds(knowledge):
    def slowest(query: str) -> float:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            TermIndex.from_knowledge(knowledge).find(query)
            best = min(best, time.perf_counter() - start)
        return best

    # Loading and validating the data takes ~60 ms; the index must not add more than a fraction of it.
    for query in ("dropout", "nesterov", "boltzmann", "transformer", "nesterov momentom"):
        assert slowest(query) < 0.025, query


def test_standard_library_only():
    code = "import sys, nutshell.lookup; print([m for m in ('yaml', 'numpy', 'difflib') if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_an_index_from_kept_exact_keys_finds_what_a_fresh_one_finds(knowledge):
    fresh = TermIndex.from_knowledge(knowledge)
    surfaces = {t.id: [t.term, *t.aliases] for t in knowledge.terms}
    kept = TermIndex(surfaces, dict(fresh.exact_keys))
    for query in ("dropout", "Nesterov's", "boltzmann", "drop", "lr", "gradiant", "transformer", "relus"):
        assert kept.find(query) == fresh.find(query), query
