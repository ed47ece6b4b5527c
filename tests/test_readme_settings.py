"""The README's settings table lists exactly the settings model's keys, each with what it changes."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.settings_table import model_keys, readme_settings_rows

pytestmark = pytest.mark.unit


def test_the_readme_settings_table_lists_every_key_of_the_settings_model_and_no_other():
    documented = [key for row in readme_settings_rows() for key in row.keys]
    keys = model_keys()
    missing = [key for key in keys if key not in documented]
    unknown = [key for key in documented if key not in keys]
    assert not missing, f"add a row to README.md's settings table (## Settings) for: {', '.join(missing)}"
    assert not unknown, f"README.md's settings table names settings the model does not have: {', '.join(unknown)}"
    twice = [key for key, n in Counter(documented).items() if n > 1]
    assert not twice, f"README.md's settings table lists {', '.join(twice)} more than once"


def test_each_row_says_its_default_meaning_and_what_it_changes_in_the_numbers():
    rows = readme_settings_rows()
    assert rows and all(len(row.cells) == 4 and all(row.cells) for row in rows), [
        row.label for row in rows if len(row.cells) != 4 or not all(row.cells)
    ]


def test_nested_keys_are_spelled_out():
    keys = model_keys()
    assert "hubspot.requests_per_10s" in keys and "ga4.scroll_depth_events" in keys
    assert "hubspot" not in keys and "ads" not in keys
    # A mapping or list setting is one key, however many entries it has.
    assert "channel_map" in keys and "channel_refinements" in keys and "currency_rates" in keys
