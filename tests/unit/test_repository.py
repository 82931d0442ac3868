"""The repository stands alone: nothing in it points at files outside it, and every pointer
into `docs/` lands on a heading that exists."""

import re
import subprocess
import sys

import pytest

from creditlake.settings import PROJECT_ROOT

# Notes that lived beside the repository once, never part of it: the domain facts, the rules,
# the stack and the house style, and the folder of the law texts. Spelt as patterns so that
# this file does not match itself.
OUTSIDE = re.compile(
    r"\b(DOMAIN|RULES|STACK|STYLE)\.md\b|\.\./shared\b|\bshared/(seeds|DOMAIN|RULES|STACK|STYLE)"
)
DOC_LINK = re.compile(r"(?:docs/)?\b(law|domain|stack)\.md#([^\s)\]`'\",;:]+)")


def repository_files() -> list[str]:
    """Tracked files and new ones not yet committed (but not ignored), without the lock file."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted({f for f in out.split("\0") if f and f != "uv.lock" and (PROJECT_ROOT / f).is_file()})


def read(path: str) -> str:
    return (PROJECT_ROOT / path).read_bytes().decode("utf-8", errors="ignore")


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_patterns_catch_what_they_guard():
    assert OUTSIDE.search("see " + "DOMAIN" + ".md §2") and OUTSIDE.search("../" + "shared/x")
    assert OUTSIDE.search("shared/" + "seeds/000.txt") and not OUTSIDE.search("docs/domain.md#identifiers")
    assert slug("Publicity periods (公示期限)") == "publicity-periods-公示期限"
    assert slug("失信被执行人: the courts' list") == "失信被执行人-the-courts-list"


def test_no_file_refers_outside_the_repository():
    files = repository_files()
    assert {"README.md", "creditlake/cli.py", "dbt_project/profiles.yml"} <= set(files)
    found = [
        f"{path}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(read(path).splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, "files outside the repository are referred to; point at docs/ instead:\n" + "\n".join(
        found
    )


def test_every_link_into_docs_lands_on_a_heading():
    anchors = {
        doc.stem: {
            slug(line.lstrip("#")) for line in read(f"docs/{doc.name}").splitlines() if line.startswith("#")
        }
        for doc in (PROJECT_ROOT / "docs").glob("*.md")
    }
    assert {"law", "domain", "stack"} <= set(anchors)
    broken, links = [], 0
    for path in repository_files():
        for number, line in enumerate(read(path).splitlines(), 1):
            for doc, anchor in DOC_LINK.findall(line):
                links += 1
                if anchor.rstrip(".") not in anchors[doc]:
                    broken.append(f"{path}:{number}: {doc}.md#{anchor}")
    assert links > 20  # the code cites docs/ in many places: a scan that finds none is broken
    assert not broken, "links to headings that do not exist:\n" + "\n".join(broken)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("creditlake/probe.py", "from publishing import open_data"),
        ("creditlake/probe.py", "def f():\n    from publishing.feeds import deliver\n"),
        ("publishing/probe.py", "from tests.privacy.evaluate import load_corpus"),
        ("tests/unit/probe.py", "from bench.warehouse_bench import main"),
    ],
)
def test_lint_fails_on_an_import_against_the_packages_direction(path, line):
    """`make lint` refuses an import against the direction (publishing -> creditlake; neither
    -> tests or bench), even one hidden inside a function."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--output-format",
            "json",
            "--stdin-filename",
            path,
            "-",
        ],
        input=line + "\n",
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and '"TID251"' in proc.stdout, proc.stdout + proc.stderr


def test_lint_takes_the_direction_that_is_allowed():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--stdin-filename", "publishing/probe.py", "-"],
        input="from creditlake.settings import RunConfig\n\nprint(RunConfig)\n",
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_packages_import_one_way_in_fact():
    """What the lint sees statically, checked on the code as it runs: the core's modules, CLI
    included, load without `publishing` (its commands arrive through an entry point)."""
    code = (
        "import sys, importlib, pkgutil, creditlake\n"
        "for m in pkgutil.walk_packages(creditlake.__path__, 'creditlake.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('publishing', 'tests', 'bench')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]"
