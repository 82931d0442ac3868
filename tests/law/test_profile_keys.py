"""Every rule a profile prints acts: each setting of each of the six profiles has a test that
changes it (through the `profile_with` fixture) and observes what a user would see change.

The tests that change a setting name it as a literal in a `profile_with({...})` call; this
test reads them all and fails for a setting nobody changes (then test it, or remove it).
"""

import ast
from pathlib import Path

import pytest

from creditlake.jurisdiction import load_profile, profile_names, rule_keys

TESTS = Path(__file__).parents[1]


def changed_in_tests() -> dict[str, list[str]]:
    """Setting -> the test files whose `profile_with({...})` calls change it."""
    found: dict[str, list[str]] = {}
    for path in TESTS.rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "profile_with"
                and node.args
                and isinstance(node.args[0], ast.Dict)
            ):
                for key in node.args[0].keys:
                    if isinstance(key, ast.Constant):
                        found.setdefault(key.value, []).append(path.name)
    return found


@pytest.mark.parametrize("profile", profile_names())
def test_every_setting_has_a_test_that_changes_it(profile):
    changed = changed_in_tests()
    untested = [key for key in rule_keys(load_profile(profile).rules) if key not in changed]
    assert not untested, f"{profile}: no test changes {untested}"


def test_the_scan_sees_real_keys_only():
    """A typo in a test's key would otherwise count as coverage of nothing."""
    known = {key for name in profile_names() for key in rule_keys(load_profile(name).rules)}
    assert set(changed_in_tests()) <= known
