"""Bad input raises the documented exceptions with the CLI's messages."""

import pytest

import fairaudit
from conftest import GERMAN, cli_error


def test_missing_column_is_an_input_error_with_the_cli_message(german_pandas):
    with pytest.raises(fairaudit.InputError) as e:
        fairaudit.audit(str(GERMAN), attrs=["nationality"])
    assert str(e.value) in cli_error(str(GERMAN), "--attr", "nationality")
    with pytest.raises(fairaudit.InputError, match="no column 'nationality'"):
        fairaudit.audit(german_pandas, attrs=["nationality"])


def test_non_binary_labels(german_pandas):
    df = german_pandas.assign(y_true=german_pandas["age"])
    with pytest.raises(fairaudit.InputError, match="y_true"):
        fairaudit.audit(df, attrs=["sex"])


def test_bad_options_are_usage_errors(german_pandas):
    with pytest.raises(fairaudit.UsageError, match="--ci-level"):
        fairaudit.audit(german_pandas, attrs=["sex"], ci_level=1.5)
    with pytest.raises(fairaudit.UsageError, match="unexpected argument"):
        fairaudit.audit(german_pandas, attrs=["sex"], no_such_option=1)
    with pytest.raises(fairaudit.UsageError, match="for the command line"):
        fairaudit.audit(german_pandas, attrs=["sex"], record=True)
    with pytest.raises(fairaudit.UsageError, match="cannot audit a builtins.dict"):
        fairaudit.audit({"a": [1]}, attrs=["a"])
    with pytest.raises(fairaudit.UsageError, match="no attribute 'race'"):
        fairaudit.audit(german_pandas, attrs=["sex"], bootstrap=0).groups("race")


def test_exceptions_form_a_hierarchy():
    assert issubclass(fairaudit.InputError, fairaudit.FairauditError)
    assert issubclass(fairaudit.UsageError, fairaudit.FairauditError)
    assert issubclass(fairaudit.FairauditError, Exception)


def test_empty_table(german_pandas):
    with pytest.raises(fairaudit.InputError, match="no rows"):
        fairaudit.audit(german_pandas.iloc[:0], attrs=["sex"])
