"""Every relative link of README.md and docs/*.md reaches a file, and its #anchor a heading
of that file (anchors as GitHub makes them from headings)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCED.sub("", page.read_text(encoding="utf-8"))
    return {anchor(h) for h in HEADING.findall(text)}


def broken_links(page: Path) -> list[str]:
    text = FENCED.sub("", page.read_text(encoding="utf-8"))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        missing_anchor = bool(fragment) and linked.suffix == ".md" and linked.exists()
        if not linked.exists() or (missing_anchor and fragment not in anchors(linked)):
            broken.append(target)
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve(page: Path) -> None:
    assert broken_links(page) == []


def test_every_task_page_is_linked_from_the_readme_and_has_contents() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in PAGES[1:]:
        assert f"(docs/{page.name})" in readme, page.name
        sections = HEADING.findall(FENCED.sub("", page.read_text(encoding="utf-8")))
        if len(sections) > 3:  # a title and more than two sections: a contents list
            assert "](#" in page.read_text(encoding="utf-8"), f"{page.name} has no contents"


def test_the_checker_can_fail(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n## The `x_y` part, again\n[ok](#the-x_y-part-again) [web](https://a.b/c)\n"
        "[gone](missing.md) [bad](#nowhere) [self](page.md#title)\n"
        "```sh\n# not a heading\n[not a link](nothing.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page) == ["missing.md", "#nowhere"]
    assert anchor("Errors of server mode's control endpoints") == (
        "errors-of-server-modes-control-endpoints"
    )
