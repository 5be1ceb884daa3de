"""The request broker's refusals, under the project's error tree.

::

    ThreadlineError
    ├── RequestRefused     request_refused  no    a command breaks a rule (names the rule)
    └── ReplyTimeout       reply_timeout    yes   the CLI saw no reply from the broker in time

A refusal is an answer, not a failure: the broker turns it into a ``CommandRejected`` record and
an audit entry and carries on. ``rule`` is a stable name (``rank_too_low``, ``self_approval``...)
that the officer's screen, the audit chain and the tests all use; messages never hold case data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from threadline.errors import ThreadlineError

__all__ = ["ReplyTimeout", "RequestRefused", "Violation"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a stable name, where it applies, and a sentence for the officer."""

    rule: str
    path: str
    message: str


class RequestRefused(ThreadlineError):
    """A command the broker will not carry out; ``rule`` is the first rule broken."""

    code = "request_refused"

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = tuple(violations)
        if not self.violations:
            raise ValueError("a refusal needs at least one violation")
        first = self.violations[0]
        more = f" (+{len(self.violations) - 1} more)" if len(self.violations) > 1 else ""
        super().__init__(f"refused [{first.rule}]: {first.message}{more}")
        self.rule = first.rule

    @classmethod
    def one(cls, rule: str, message: str, path: str = "") -> RequestRefused:
        return cls([Violation(rule, path, message)])


class ReplyTimeout(ThreadlineError):
    """The command was published but no reply arrived in time; it may still be processed."""

    code = "reply_timeout"
    retriable = True
