"""CSV exports never hand a spreadsheet a formula, and numbers stay numbers."""
import csv
import io

import pytest

from shared.spreadsheets import cell, csv_text


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x.example","open")', "+1+2", "-2+3", "@SUM(A1)",
                                   "\t=1+2", "\r=1+2", "-", "-12.5.1"])
def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(typed):
    assert cell(typed) == "'" + typed


@pytest.mark.parametrize("value, shown", [("-25.00", "-25.00"), ("25.00", "25.00"), (-3, "-3"), (0, "0"),
                                          (None, ""), ("Kismayo", "Kismayo"), ("2026-11-30", "2026-11-30"),
                                          ("it's = fine", "it's = fine")])
def test_numbers_and_plain_text_are_left_alone(value, shown):
    assert cell(value) == shown


def test_csv_text_writes_every_cell_through_the_rule_and_quotes_as_csv_does():
    text = csv_text([["narration", "amount"], ['=cmd|" /C calc"!A0', "-12.00"], ["a, b", None]])
    assert list(csv.reader(io.StringIO(text))) == [["narration", "amount"], ["'=cmd|\" /C calc\"!A0", "-12.00"],
                                                   ["a, b", ""]]
