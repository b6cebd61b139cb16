"""The docs stay true: every module is named in the architecture doc, the make targets and links they give exist,
and the README stays short enough to read in five minutes."""

from __future__ import annotations

import ast
import re
from pathlib import Path


def repo_root() -> Path:
    """The folder holding the Makefile, above this file (wherever the tests folder puts it)."""
    here = Path(__file__).resolve().parent
    return next(p for p in (here, *here.parents) if (p / "Makefile").is_file())


ROOT = repo_root()
README = ROOT / "README.md"
DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"
PACKAGES = ("board", "bench")  # the app and the benchmarks: every module in them has its line in architecture.md
README_MAX_LINES = 200


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def holds_code(path: Path) -> bool:
    """False for an __init__.py with nothing in it but a docstring or comments."""
    body = ast.parse(path.read_text()).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return bool(body)


def modules() -> list[str]:
    """Repo-relative paths of the modules under board/ and bench/, empty __init__.py files left out."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__pycache__" in path.parts or (path.name == "__init__.py" and not holds_code(path)):
                continue
            found.append(path.relative_to(ROOT).as_posix())
    return found


def split_code(text: str) -> tuple[str, str]:
    """(prose, code) of a markdown text: fenced blocks and inline code spans go to code, the rest to prose."""
    prose, code = [], []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            code.append(line)
            continue
        parts = re.split(r"(`+)(.*?)\1", line)  # [text, ticks, span, text, ticks, span, text, ...]
        prose.append("".join(parts[0::3]))
        code.extend(parts[2::3])
    return "\n".join(prose), "\n".join(code)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a markdown file's headings (outside fenced code)."""
    found, fenced = set(), False
    for line in path.read_text().splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (heading := re.match(r"^#{1,6} +(.+?)[ #]*$", line)):
            found.add(slug(heading.group(1)))
    return found


def relative_links(path: Path) -> list[str]:
    """The targets of [text](target) links in the prose that are not web addresses."""
    prose, _ = split_code(path.read_text())
    targets = [m.group(1).split()[0] for m in re.finditer(r"\]\(\s*([^)\s]+(?:\s+\"[^\"]*\")?)\s*\)", prose)]
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t, flags=re.IGNORECASE)]


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return {m.group(1) for m in re.finditer(r"^([A-Za-z0-9][\w.-]*)\s*:(?!=)", text, flags=re.MULTILINE)}


def test_every_module_is_named_in_the_architecture_doc():
    text = ARCHITECTURE.read_text()
    missing = [module for module in modules() if f"`{module}`" not in text]
    assert not missing, "docs/architecture.md does not name (as `path`) these modules:\n  " + "\n  ".join(missing)


def test_every_python_file_the_readme_and_docs_name_exists():
    gone = []
    for path in markdown_files():
        for name in sorted(set(re.findall(r"`((?:board|bench|tests)/[\w/]*\.py)(?:::[^`]*)?`", path.read_text()))):
            if not (ROOT / name).is_file():
                gone.append(f"{path.relative_to(ROOT).as_posix()}: {name}")
    assert not gone, "the docs name files that do not exist:\n  " + "\n  ".join(gone)


def test_every_make_target_the_readme_and_docs_mention_exists_in_the_makefile():
    targets = makefile_targets()
    mentioned: dict[str, str] = {}
    for path in markdown_files():
        _, code = split_code(path.read_text())
        for target in re.findall(r"(?<![\w.-])make +([a-z][\w-]*)", code):
            mentioned.setdefault(target, path.relative_to(ROOT).as_posix())
    assert "run" in mentioned and "test" in mentioned, "the README gives `make run` and `make test`"
    unknown = {target: where for target, where in mentioned.items() if target not in targets}
    assert not unknown, f"make targets mentioned but not in the Makefile (target: file): {unknown}"


def test_every_relative_link_in_the_readme_and_docs_points_to_an_existing_file():
    broken = []
    for path in markdown_files():
        for target in relative_links(path):
            file = target.split("#", 1)[0]
            if file and not (path.parent / file).exists():
                broken.append(f"{path.relative_to(ROOT).as_posix()}: {target}")
    assert not broken, "links to files that do not exist:\n  " + "\n  ".join(broken)


def test_every_link_to_a_heading_names_a_heading_that_exists():
    broken = []
    for path in markdown_files():
        for target in relative_links(path):
            file, _, anchor = target.partition("#")
            linked = (path.parent / file) if file else path
            if anchor and linked.suffix == ".md" and linked.is_file() and anchor not in anchors(linked):
                broken.append(f"{path.relative_to(ROOT).as_posix()}: {target}")
    assert not broken, "links to headings that do not exist:\n  " + "\n  ".join(broken)


def test_every_docs_file_starts_with_a_title_and_a_sentence_on_what_it_covers():
    for path in sorted(DOCS.glob("*.md")):
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        assert lines[0].startswith("# ") and not lines[1].startswith("#"), path.name


def test_the_readme_is_at_most_200_lines():
    lines = len(README.read_text().splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


def test_the_link_check_sees_links_in_prose_and_skips_code_and_web_addresses(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("See [ops](docs/operations.md#sign-in) and [web](https://example.org/x).\n"
                    "`[not a link](nowhere.md)`\n```\n[nor this](nowhere.md)\n```\n[title](a.md \"A title\")\n")
    assert relative_links(page) == ["docs/operations.md#sign-in", "a.md"]
    assert slug("Anonymity: who can learn what") == "anonymity-who-can-learn-what"
    assert slug("Deployment on PostgreSQL (several app servers)") == "deployment-on-postgresql-several-app-servers"
