"""Every rule a profile prints acts: each setting of each of the six profiles has a test that
changes it (through the `profile_with` fixture) and observes what a user would see change.

The tests that change a setting name it in a `profile_with({...})` call, as a literal key or
through a `parametrize` list; this test reads them all and fails for a setting nobody
changes (then test it, or remove it).
"""

import ast
from pathlib import Path

import pytest

from creditlake.jurisdiction import load_profile, profile_names, rule_keys

TESTS = Path(__file__).parents[1]


def profile_with_tests() -> list[tuple[str, list[str], list[str]]]:
    """(test, the literal keys of its `profile_with({...})` calls, the strings of its
    `parametrize` lists when a call takes its key from a parameter) for every such test."""
    found = []
    for path in TESTS.rglob("test_*.py"):
        for test in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(test, ast.FunctionDef):
                continue
            keys = [
                key
                for node in ast.walk(test)
                if isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "profile_with"
                and node.args
                and isinstance(node.args[0], ast.Dict)
                for key in node.args[0].keys
            ]
            literal = [key.value for key in keys if isinstance(key, ast.Constant)]
            parameters = [
                node.value
                for deco in test.decorator_list
                for node in ast.walk(deco)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and any(not isinstance(key, ast.Constant) for key in keys)
            ]
            if keys:
                found.append((f"{path.name}::{test.name}", literal, parameters))
    return found


def known_keys() -> set[str]:
    return {key for name in profile_names() for key in rule_keys(load_profile(name).rules)}


@pytest.mark.parametrize("profile", profile_names())
def test_every_setting_has_a_test_that_changes_it(profile):
    changed = {key for _, literal, parameters in profile_with_tests() for key in literal + parameters}
    untested = [key for key in rule_keys(load_profile(profile).rules) if key not in changed]
    assert not untested, f"{profile}: no test changes {untested}"


def test_the_keys_tests_change_are_settings():
    """A typo in a test's key would otherwise count as coverage of nothing."""
    typos = {test: sorted(set(literal) - known_keys()) for test, literal, _ in profile_with_tests()}
    assert not {test: keys for test, keys in typos.items() if keys}
