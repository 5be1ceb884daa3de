"""Every ``threadline ...`` command a runbook tells an operator to type exists.

Runbooks are read at 3 a.m.; a renamed sub-command or option must fail CI, not the operator.
The test reads the fenced code blocks of ``runbooks/*.md``, takes each line that runs
threadline (``threadline``, ``.venv/bin/threadline``, optionally after ``VAR=value`` settings;
``\\`` continuations joined), and walks the click command tree: every word before the final
command must be a sub-command, every ``--option`` along the way must belong to the command it
follows. Arguments and option values are not checked.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

import click
import pytest

from threadline.cli.main import cli
from threadline.config import project_root

RUNBOOKS = sorted((project_root() / "runbooks").glob("*.md"))
_FENCE = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.M | re.S)
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")


@dataclass(frozen=True)
class CommandLine:
    runbook: str
    text: str
    words: tuple[str, ...]


def _segments(line: str) -> list[list[str]]:
    """Shell words of a line, split at ``&&``, ``||``, ``;``, ``|`` and redirections, without
    comments (quotes respected)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    segments: list[list[str]] = [[]]
    for token in lexer:
        if token and set(token) <= set("();<>|&"):
            segments.append([])
        else:
            segments[-1].append(token)
    return [words for words in segments if words]


def command_lines(markdown: str, name: str) -> list[CommandLine]:
    found = []
    for block in _FENCE.findall(markdown):
        for line in block.replace("\\\n", " ").splitlines():
            for segment in _segments(line):
                words = list(segment)
                while words and _ENV.match(words[0]):
                    words.pop(0)
                if words and words[0] in {"threadline", ".venv/bin/threadline"}:
                    found.append(CommandLine(name, " ".join(words), tuple(words[1:])))
    return found


def _option(command: click.Command, word: str) -> click.Option | None:
    name = word.split("=", 1)[0]
    for param in command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    if name in ("-h", "--help"):
        return click.Option(["--help"], is_flag=True)
    return None


def resolve(words: tuple[str, ...]) -> list[str]:
    """The command path ``words`` reaches; raises AssertionError naming what is wrong."""
    command: click.Command = cli
    path: list[str] = []
    rest = list(words)
    while rest:
        word = rest.pop(0)
        if word.startswith("-") and word != "-":
            option = _option(command, word)
            assert option is not None, f"{' '.join(path) or 'threadline'} has no option {word}"
            if not option.is_flag and not option.count and "=" not in word and rest:
                rest.pop(0)
            continue
        if not isinstance(command, click.Group):
            continue  # an argument of the final command
        sub = command.commands.get(word)
        assert sub is not None, f"no command {' '.join([*path, word])}"
        command = sub
        path.append(word)
    assert not isinstance(command, click.Group), f"{' '.join(path)} needs a sub-command"
    return path


ALL = [line for path in RUNBOOKS for line in command_lines(path.read_text(), path.name)]


def test_the_runbooks_name_many_commands() -> None:
    assert len(RUNBOOKS) >= 10
    assert len(ALL) >= 60
    covered = {" ".join(resolve(line.words)[:2]) for line in ALL}
    for needed in ("kafka lag", "kafka reprocess", "dlq list", "dlq replay", "keys shred"):
        assert needed in covered


@pytest.mark.parametrize("line", ALL, ids=[f"{c.runbook}: {c.text[:60]}" for c in ALL])
def test_every_runbook_command_exists(line: CommandLine) -> None:
    resolve(line.words)


def test_the_walker_catches_mistakes() -> None:
    assert resolve(("--as", "broker", "audit", "verify")) == ["audit", "verify"]
    assert resolve(("keys", "shred", "3", "--yes")) == ["keys", "shred"]
    with pytest.raises(AssertionError, match="no command kafka rewind"):
        resolve(("kafka", "rewind"))
    with pytest.raises(AssertionError, match="has no option --to-latest"):
        resolve(("kafka", "reprocess", "--group", "g", "--to-latest"))
    with pytest.raises(AssertionError, match="needs a sub-command"):
        resolve(("dlq",))
    lines = command_lines(
        "```sh\nX=1 .venv/bin/threadline kafka up && threadline --as admin kafka apply \\\n"
        "   --prune   # comment\nls threadline\n```\n",
        "t.md",
    )
    assert [c.words for c in lines] == [
        ("kafka", "up"),
        ("--as", "admin", "kafka", "apply", "--prune"),
    ]
