"""Term lookup: id, name, alias; case, hyphens, spaces and plurals ignored; close misspellings suggested."""

import pytest

from nutshell.lookup import TermIndex, normalize, singular_forms

INDEX = TermIndex(
    {
        "backpropagation": ["Backpropagation", "backprop", "back-propagation"],
        "nesterov-accelerated-gradient": ["Nesterov accelerated gradient", "NAG", "Nesterov momentum"],
        "relu": ["Rectified linear unit", "ReLU"],
        "dropout": ["Dropout"],
        "mini-batch": ["Mini-batch", "minibatch"],
        "gradient-descent": ["Gradient descent"],
    }
)


def test_normalize_drops_case_spaces_and_punctuation():
    assert normalize("Back-Propagation ") == "backpropagation"
    assert normalize("L2 regularisation") == "l2regularisation"


def test_singular_forms():
    assert singular_forms("minibatches") == ["minibatch", "minibatche"]
    assert singular_forms("relus") == ["relu"]
    assert singular_forms("families") == ["family", "famili", "familie"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("dropout", "dropout"),
        ("DROPOUT", "dropout"),
        ("back propagation", "backpropagation"),
        ("Back-Propagation", "backpropagation"),
        ("nag", "nesterov-accelerated-gradient"),
        ("nesterov-momentum", "nesterov-accelerated-gradient"),
        ("ReLUs", "relu"),
        ("rectified linear units", "relu"),
        ("mini batches", "mini-batch"),
    ],
)
def test_exact_matches(query, expected):
    assert INDEX.find(query).term_id == expected


def test_misspelling_gives_suggestions_not_a_match():
    match = INDEX.find("dropuot")
    assert match.term_id is None
    assert match.suggestions[0] == "dropout"


def test_a_misspelled_word_of_a_longer_name_is_suggested():
    assert INDEX.find("gradiant").suggestions[0] == "gradient-descent"


def test_at_most_three_suggestions_and_none_for_nonsense():
    assert len(INDEX.find("descent gradient nesterov").suggestions) <= 3
    assert INDEX.find("zzzzqqq").suggestions == ()
    assert INDEX.find("   ").term_id is None
