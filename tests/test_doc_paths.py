"""Every repository path named in the docs exists, and no doc cites a file a user does not have.

Scanned: README.md, runs/README.md, docs/*.md; the strings (docstrings, messages) and comments of every .py
file in exts/, scripts/, bench/ and setup.py; the comments of the YAML in exts/, requirements/*.txt,
pyproject.toml, the shell scripts and .ci/.

A path is a token that starts with a top-level folder of the repository (``scripts/train.py``, ``docs/img/``),
or with a folder of the package if it names a file or ends in ``/`` (``sampler/hazard.py``,
``assets/g1/g1.usda``); a backticked bare file name (```train.yaml```) must be some file of the repository.
A path must exist relative to the repository root, the package, or the folder (or a parent) of the file
that names it. ``<robot>`` and ``{name}`` placeholders and ``*`` match anything; ``{a,b}`` needs both.
Paths a user creates (run outputs, downloads: outputs/, data/, ~/.cache) start with none of these folders;
the few that do are in :data:`ALLOWED`, each with its reason.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path("exts/beyondmimic_adaptive/beyondmimic_adaptive")

TOP_LEVEL = ("exts", "scripts", "bench", "tests", "docs", "requirements", "runs", ".ci")
"""Top-level folders of the repository: any token starting with one of them is a path."""
FILE_SUFFIXES = ("py", "yaml", "yml", "md", "sh", "txt", "toml", "usda")
"""Extensions of the backticked bare file names that are checked (source kinds; run outputs are .pt, .png, ...)."""
FORBIDDEN = ("../shared", "REFERENCE.md")
"""Files of the authors' workspace that a user of the repository does not have."""

ALLOWED: dict[str, str] = {
    "sampler/state.pt": "a run folder's sampler state, written by scripts/train.py",
    "sampler/history_*.npz": "a run folder's sampler history, written by scripts/train.py",
    "env.yaml": "a run folder's env config, written by scripts/train.py (as rsl-rl's train scripts do)",
    "agent.yaml": "a run folder's agent config, written by scripts/train.py (as rsl-rl's train scripts do)",
    "scripts/rsl_rl/train.py": "whole_body_tracking's training script (README, drop-in for BeyondMimic's code)",
}
"""Paths that look like the repository's but are not: files a run writes, files of other repositories."""

RETIRED: dict[str, str] = {
    "runs/table2_": "the Table II study's checkpoints and sampler histories (trained on LAFAN1, CC BY-NC-ND 4.0),"
    " deleted when the study ended; docs/table2.md keeps their numbers and the commands that made them",
    "runs/README.md": "the provenance and license note of those checkpoints, deleted with them",
}
"""Path prefixes the docs name as history: folders that existed while a study ran and were deleted at its end."""


def _python_texts(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every string constant (docstrings, messages) and comment of a .py file."""
    source = path.read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def _comment_texts(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of the ``#`` comments of a YAML, shell, TOML or requirements file."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if "#" in line:
            yield number, line[line.index("#") :]


def _sources(root: Path) -> Iterator[tuple[Path, Iterator[tuple[int, str]]]]:
    for pattern in ("README.md", "runs/README.md", "docs/*.md"):
        for path in sorted(root.glob(pattern)):
            yield path, enumerate(path.read_text().splitlines(), 1)
    for folder in ("exts", "scripts", "bench"):
        for path in sorted((root / folder).rglob("*.py")):
            yield path, _python_texts(path)
    if (root / "setup.py").is_file():
        yield root / "setup.py", _python_texts(root / "setup.py")
    commented = [*(root / "exts").rglob("*.yaml"), *root.glob("requirements/*.txt"), *root.glob("scripts/*.sh")]
    commented += [*root.glob("bench/*.sh"), *root.glob("pyproject.toml"), *root.glob(".ci/*")]
    for path in sorted(p for p in commented if p.is_file()):
        yield path, _comment_texts(path)


def _path_pattern(root: Path) -> re.Pattern[str]:
    package_dirs = sorted(p.name for p in (root / PACKAGE).iterdir() if p.is_dir() and p.name != "__pycache__")
    prefixes = "|".join(re.escape(p) for p in (*TOP_LEVEL, *package_dirs, PACKAGE.name))
    # not inside a longer path or URL (../shared/x, ~/.cache/x, github.com/org/repo/x, $ROOT/x)
    return re.compile(rf"(?<![\w./~$-])(?:{prefixes})/(?:[\w.*<>/-]|\{{[^}}\s]*\}})*")


BACKTICKED = re.compile(rf"`+([\w.-]+\.(?:{'|'.join(FILE_SUFFIXES)}))`+")


def _expand_braces(path: str) -> list[str]:
    """Shell brace expansion: ``a_{x,y}/`` is ``a_x/`` and ``a_y/``."""
    match = re.search(r"\{([^{}/]*,[^{}/]*)\}", path)
    if match is None:
        return [path]
    head, tail = path[: match.start()], path[match.end() :]
    return [full for option in match.group(1).split(",") for full in _expand_braces(head + option + tail)]


def _exists(root: Path, relative: str, near: Path) -> bool:
    bases = [root, root / PACKAGE, root / PACKAGE.parent, *(p for p in near.parents if root in (p, *p.parents))]
    for alternative in _expand_braces(relative):
        pattern = re.sub(r"<[^>/]*>|\{[^}/]*\}", "*", alternative).rstrip("/")
        if "*" in pattern:
            found = any(next(base.glob(pattern), None) is not None for base in bases)
        else:
            found = any((base / pattern).exists() for base in bases)
        if not found:
            return False
    return True


def _repository_file_names(root: Path) -> set[str]:
    skip = {".git", ".venv", "outputs", "logs", "build", "data", "__pycache__", ".mypy_cache", ".pytest_cache"}
    names: set[str] = set()
    stack = [root]
    while stack:
        for entry in stack.pop().iterdir():
            if entry.is_dir():
                if entry.name not in skip and not entry.name.endswith(".egg-info"):
                    stack.append(entry)
            else:
                names.add(entry.name)
    return names


def find_problems(root: Path = ROOT) -> list[str]:
    """One line per missing path (``file:line: 'path'``) or cited workspace file, in the repository at ``root``."""
    pattern = _path_pattern(root)
    names = _repository_file_names(root)
    problems = []
    for source, texts in _sources(root):
        where = source.relative_to(root)
        for line, text in texts:
            for forbidden in FORBIDDEN:
                if forbidden in text:
                    problems.append(f"{where}:{line}: cites {forbidden!r}, which a user of the repository lacks")
            for match in pattern.finditer(text):
                path = match.group(0).rstrip(".-")
                is_file_or_dir = path.endswith("/") or re.search(r"\.\w+$", path) is not None
                if path.split("/")[0] not in TOP_LEVEL and not is_file_or_dir:
                    continue  # "motion/bin" in prose: package-relative names are checked as files or folders only
                retired = any(path.startswith(prefix) for prefix in RETIRED)
                if path not in ALLOWED and not retired and not _exists(root, path, source):
                    problems.append(f"{where}:{line}: {path!r} does not exist")
            for name in BACKTICKED.findall(text):
                if name not in ALLOWED and name not in names:
                    problems.append(f"{where}:{line}: `{name}` is no file of the repository")
    return problems


def test_named_paths_exist():
    problems = find_problems()
    assert not problems, "the docs name files that do not exist (fix the text or add to ALLOWED):\n" + "\n".join(
        problems
    )


def test_scanner_catches_a_missing_path(tmp_path: Path):
    # a repository of its own with one good and one bad reference in each kind of source
    package = tmp_path / PACKAGE
    (package / "sampler").mkdir(parents=True)
    (package / "sampler" / "hazard.py").write_text('"""Uses ``sampler/hazard.py`` and sampler/gone.py."""\n')
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "train.py").write_text("x = 1  # see scripts/train.py and scripts/missing.py\n")
    (tmp_path / "README.md").write_text(
        "Run `scripts/train.py`; read `hazard.py`, `nothing.yaml`, ../shared/x, scripts/{train,eval}.py.\n"
        "Deleted: runs/table2_dance1/adaptive/model_7999.pt; never there: runs/other/model_1.pt.\n"
    )
    (package / "config").mkdir()
    (package / "config" / "demo.yaml").write_text("a: 1  # e.g. bench/absent.py\n")
    problems = find_problems(tmp_path)
    text = "\n".join(problems)
    assert "'sampler/gone.py' does not exist" in text
    assert "'scripts/missing.py' does not exist" in text
    assert "`nothing.yaml` is no file" in text
    assert "'bench/absent.py' does not exist" in text
    assert "cites '../shared'" in text
    assert "'scripts/{train,eval}.py' does not exist" in text  # scripts/eval.py is missing
    assert "'runs/other/model_1.pt' does not exist" in text  # RETIRED excuses runs/table2_* alone
    assert len(problems) == 7, text  # the existing ones (scripts/train.py, sampler/hazard.py, hazard.py) pass


COMMAND = re.compile(
    r"(?:bash scripts/run\.sh (?:python )?|python )(main|scripts/(?:train|demo|main_job)\.py)\b([^`#\\]*)"
)
"""A documented run of a Hydra-configured script (``bash scripts/run.sh main ...``, ``python scripts/demo.py ...``)."""
CONFIG_OF = {"main": "train", "scripts/main_job.py": "train", "scripts/train.py": "train", "scripts/demo.py": "demo"}
"""The packaged config each entry point composes its Hydra overrides into (run.sh main runs main_job.py)."""


def documented_commands(root: Path = ROOT) -> list[tuple[str, str, list[str]]]:
    """(where, config name, Hydra overrides) of every documented run in the docs and the packaged YAML comments."""
    sources = [*root.glob("README.md"), *root.glob("docs/*.md"), *sorted((root / PACKAGE / "config").rglob("*.yaml"))]
    commands = []
    for source in sources:
        for number, line in enumerate(source.read_text().splitlines(), 1):
            for match in COMMAND.finditer(line):
                tokens = match.group(2).split()
                # flags (--iterations 30) and their values are argparse's; key=value tokens are Hydra's (a
                # placeholder such as outputs/train/<run> is filled in)
                overrides = [re.sub(r"<\w+>", "X", t) for t in tokens if "=" in t and not t.startswith("-")]
                commands.append((f"{source.relative_to(root)}:{number}", CONFIG_OF[match.group(1)], overrides))
    return commands


def test_documented_commands_compose():
    from beyondmimic_adaptive.hydra_config import ConfigError, compose_config

    commands = documented_commands()
    failures = []
    for where, config, overrides in commands:
        try:
            compose_config(config, overrides)
        except ConfigError as err:
            failures.append(f"{where}: {config}.yaml with {overrides}: {str(err).splitlines()[0]}")
    assert not failures, "documented commands whose Hydra overrides do not compose:\n" + "\n".join(failures)
    assert any("config/demo.yaml" in where for where, _, _ in commands)  # the demo config's example is checked
