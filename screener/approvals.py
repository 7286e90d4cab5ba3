"""Clinical sign-off: what a reviewer approves, whether an approval still holds, and
writing one into a rules file.

A reviewer approves content, not a file: the rules' *fingerprint* is the sha256 of
everything a person reads or the engine uses (the rules file without its ``review``
and ``translations`` blocks, comments and layout), and a translation's is the
sha256 of that language's texts together with the rules' fingerprint. An approval
names the fingerprint it was given for, and holds only while the content still has
it: any later change to a question, an answer, a condition, a rule, an outcome, a
reason, a source or a translated text makes it stale, and the pages say "draft"
again. Recording an approval changes neither fingerprint, and neither do comments,
notes or layout.

This module is part of Screener's pure core: it reads and writes no files and
imports nothing from Flask. ``screener approve`` (``screener.cli``) does the I/O.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import yaml

# Where a clinical review stands. The first three are what a rules file can say
# (``status``); the others are worked out.
DRAFT, IN_REVIEW, APPROVED = "draft", "in-review", "approved"
CHANGED = "changed since review"  # approved, but for content other than today's
NOT_RECORDED = "not recorded"  # the rules file says nothing of it

# The keys of a rules file that no person reads and the engine does not use: the
# review itself, and who translated what (each translation has its own fingerprint).
UNSEEN = ("review", "translations")

_RULES_SCHEME = "screener rules fingerprint 1"
_TRANSLATION_SCHEME = "screener translation fingerprint 1"


@dataclass(frozen=True, slots=True)
class Approval:
    """One clinician's sign-off of the content that had ``fingerprint``."""

    by: str
    role: str
    date: str  # YYYY-MM-DD, in UTC
    fingerprint: str
    note: str | None = None
    line: int = field(default=1, compare=False)  # where it is in the file, for findings

    @property
    def day(self) -> datetime.date:
        """The date as a date, for pages that write it in their own language."""
        return datetime.date.fromisoformat(self.date)

    @property
    def short(self) -> str:
        """The first 12 hex digits of the fingerprint, enough to tell contents apart."""
        return self.fingerprint[:12]


@dataclass(frozen=True, slots=True)
class Standing:
    """A clinical review as it stands: its ``state`` (draft, in-review, approved,
    CHANGED or NOT_RECORDED), the approval that holds when it is approved, and the
    approvals given for other content than today's."""

    state: str
    approval: Approval | None = None
    stale: tuple[Approval, ...] = ()


def standing(status: str | None, approvals: Sequence[Approval], fingerprint: str) -> Standing:
    """Where a review stands, from its recorded ``status`` and ``approvals`` and the
    content's ``fingerprint`` now.

    Approved only when the status says so and an approval names this fingerprint (the
    latest, when several do); approved for other content is CHANGED, which pages treat
    as a draft. A draft or in-review status stays what it says, whatever it lists.
    """
    if status is None:
        return Standing(NOT_RECORDED)
    holding = [a for a in approvals if a.fingerprint == fingerprint]
    stale = tuple(a for a in approvals if a.fingerprint != fingerprint)
    if status != APPROVED:
        return Standing(status, None, stale)
    if holding:
        return Standing(APPROVED, sorted(holding, key=lambda a: a.date)[-1], stale)
    return Standing(CHANGED if stale else DRAFT, None, stale)


# What the engine makes of a rules file: how conditions, follow-ups, unanswered questions
# and the hit policy work (docs/rules-format.md). Raised whenever that meaning changes,
# so that every approval given under the old meaning lapses.
ENGINE_MEANING = 1


def rules_fingerprint(data: Mapping[str, Any], interface: Iterable[str] = ()) -> str:
    """The fingerprint of a rules file's content, from its data as read from YAML, with
    the pages it is shown in.

    Every key but the review and the translations' records counts, in full: ids,
    texts, answers, conditions, outcomes, sources, cases. The data carries no
    comments or layout, and keys are taken in sorted order, so those never count.
    ``interface`` is the English texts of Screener's own pages (headings, buttons, the
    start page's promises), which people read beside the rules' texts, and
    ``ENGINE_MEANING`` says how the engine reads the file: a Screener upgrade that
    changes either makes every approval stale.
    """
    seen = {key: value for key, value in data.items() if key not in UNSEEN}
    canonical = json.dumps(
        seen, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    digest = hashlib.sha256(f"{_RULES_SCHEME}\nengine {ENGINE_MEANING}\n{canonical}".encode())
    for text in sorted(set(interface)):
        digest.update(f"\x1e{text}".encode())
    return digest.hexdigest()


def translation_fingerprint(rules: str, pairs: Iterable[tuple[str, str]]) -> str:
    """The fingerprint of a translation: the rules' fingerprint and each (original,
    translation) pair a person can read in that language, in sorted order.

    A change to the rules changes it too, so a translation approved for one version
    of the rules is not approved for the next.
    """
    digest = hashlib.sha256(f"{_TRANSLATION_SCHEME}\n{rules}\n".encode())
    for original, translated in sorted(pairs):
        digest.update(f"{original}\x1f{translated}\x1e".encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- recording


class RecordError(Exception):
    """The approval cannot be written into this text without disturbing it."""


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    text: str


def record(text: str, approval: Approval, language: str | None = None) -> str:
    """The rules file's ``text`` with ``approval`` recorded: in its ``review`` block, or
    with ``language`` in that language's ``translations`` entry.

    The block's ``status`` becomes ``approved`` and the approval is added to its
    ``approvals``; approvals of other content than ``approval.fingerprint`` are
    removed (the file's history keeps them), as is an earlier one by the same
    clinician, and other clinicians' approvals of the same content are kept. Only
    those lines change: every comment, every other line and the file's line endings
    stay as they were. A file without a ``review`` block gets one, before its first
    question. Raises RecordError for a layout it cannot edit that way.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise RecordError(f"not valid YAML: {e}") from None
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise RecordError("the file's top level must be a block mapping")
    if language is None:
        found = _entry(root, "review")
        if found is None:
            return _new_review(text, root, approval, newline)
        key, block = found
    else:
        translations = _entry(root, "translations")
        found = _entry(translations[1], language) if translations else None
        if found is None:
            raise RecordError(f"the file has no translations entry for {language!r}")
        key, block = found
    if not isinstance(block, yaml.MappingNode):
        raise RecordError(f"{key.value!r} must be a mapping")
    if block.flow_style:
        return _rewrite_flow(text, key, block, approval, newline)
    return _apply(text, _block_edits(text, block, approval, newline))


def _entry(mapping: yaml.Node, name: str) -> tuple[yaml.ScalarNode, yaml.Node] | None:
    """The key and value of ``name`` in a mapping node, if it has one."""
    if not isinstance(mapping, yaml.MappingNode):
        return None
    for key, value in mapping.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return key, value
    return None


def _block_edits(
    text: str, block: yaml.MappingNode, approval: Approval, newline: str
) -> list[_Edit]:
    """Set ``status: approved`` and add the approval, in a block mapping."""
    edits: list[_Edit] = []
    indent = block.value[0][0].start_mark.column
    status = _entry(block, "status")
    if status is None:
        edits.append(
            _Edit(
                block.start_mark.index,
                block.start_mark.index,
                f"status: approved{newline}{' ' * indent}",
            )
        )
    elif status[1].value != "approved":
        edits.append(_Edit(status[1].start_mark.index, status[1].end_mark.index, "approved"))
    found = _entry(block, "approvals")
    if found is None:
        at = _next_line(text, _content_end(text, block))
        lines = [f"{' ' * indent}approvals:", *_item(approval, indent + 2)]
        edits.append(_Edit(at, at, _lines(text, at, lines, newline)))
        return edits
    key, items = found
    if not isinstance(items, yaml.SequenceNode) or items.flow_style or not items.value:
        # An empty or flow-style list: written out again as a block.
        kept = [a for i in _nodes(items) if _keeps(a := _approval_of(i), approval)]
        lines = [line for a in [*kept, approval] for line in _item(a, indent + 2)]
        end = max(_content_end(text, items), key.end_mark.index + 1)
        edits.append(_Edit(key.end_mark.index, end, ":" + newline + newline.join(lines)))
        return edits
    dash = _column_of_dash(text, items.value[0])
    for item in items.value:
        if not _keeps(_approval_of(item), approval):
            start = _line_start(text, item.start_mark.index)
            edits.append(_Edit(start, _next_line(text, _content_end(text, item)), ""))
    at = _next_line(text, _content_end(text, items))
    edits.append(_Edit(at, at, _lines(text, at, _item(approval, dash), newline)))
    return edits


def _rewrite_flow(
    text: str, key: yaml.ScalarNode, block: yaml.MappingNode, approval: Approval, newline: str
) -> str:
    """A flow mapping (``review: {status: draft}``) written out as a block, with the
    approval in it: its keys and texts are kept, in their order."""
    indent = key.start_mark.column + 2
    lines: list[str] = [f"{' ' * indent}status: approved"]
    for k, v in block.value:
        if k.value in ("status", "approvals"):
            continue
        if not isinstance(v, yaml.ScalarNode):
            raise RecordError(f"{key.value}.{k.value} must be text")
        lines.append(f"{' ' * indent}{k.value}: {_scalar(v.value)}")
    found = _entry(block, "approvals")
    kept = [a for i in _nodes(found[1]) if _keeps(a := _approval_of(i), approval)] if found else []
    lines.append(f"{' ' * indent}approvals:")
    lines += [line for a in [*kept, approval] for line in _item(a, indent + 2)]
    return _apply(
        text, [_Edit(key.end_mark.index, block.end_mark.index, ":" + newline + newline.join(lines))]
    )


def _new_review(text: str, root: yaml.MappingNode, approval: Approval, newline: str) -> str:
    """A ``review`` block with the approval, before the first key that is not the file's
    name, version, language, title or description (and the comments just above it)."""
    heading = ("id", "version", "language", "title", "description")
    later = [key for key, _ in root.value if key.value not in heading]
    at = _line_start(text, later[0].start_mark.index) if later else len(text)
    while at > 0:  # keep the comment lines that introduce that key with it
        before = _line_start(text, at - 1)
        if not text[before:at].lstrip().startswith("#"):
            break
        at = before
    lines = ["review:", "  status: approved", "  approvals:", *_item(approval, 4), ""]
    return _apply(text, [_Edit(at, at, _lines(text, at, lines, newline))])


def _keeps(old: Approval | None, new: Approval) -> TypeGuard[Approval]:
    """Whether an approval already recorded stays beside ``new``: another clinician's,
    of the same content. One of other content is stale; one by the same clinician is
    replaced by the new one."""
    return old is not None and old.fingerprint == new.fingerprint and old.by != new.by


def _approval_of(node: yaml.Node) -> Approval | None:
    """The approval an item of an ``approvals`` list records, when it is one."""
    if not isinstance(node, yaml.MappingNode):
        return None
    values = {
        k.value: v.value
        for k, v in node.value
        if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)
    }
    try:
        return Approval(
            values["by"], values["role"], values["date"], values["fingerprint"], values.get("note")
        )
    except KeyError:
        return None


def _item(approval: Approval, dash: int) -> list[str]:
    """An approval as the lines of a block list item whose dash is at column ``dash``."""
    fields = [
        ("by", approval.by),
        ("role", approval.role),
        ("date", approval.date),
        ("fingerprint", approval.fingerprint),
    ]
    if approval.note:
        fields.append(("note", approval.note))
    return [
        f"{' ' * dash}{'- ' if i == 0 else '  '}{name}: {_scalar(value)}"
        for i, (name, value) in enumerate(fields)
    ]


_WIDE = 1 << 30  # never fold a line


def _scalar(value: str) -> str:
    """A text as one line of YAML: plain where that reads back as the same text,
    quoted where it would not (``'2026-12-01'``, ``'yes'``, ``"a\\nb"``)."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=_WIDE)
    dumped = dumped.removesuffix("\n...\n").rstrip("\n")
    if "\n" in dumped:
        dumped = yaml.safe_dump(value, allow_unicode=True, width=_WIDE, default_style='"')
        dumped = dumped.rstrip("\n")
    return dumped


def _nodes(node: yaml.Node) -> list[yaml.Node]:
    """The items of a sequence node; nothing for anything else (an empty value)."""
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _content_end(text: str, node: yaml.Node) -> int:
    """Just after the last character of a node's own content. A block collection's
    end mark lies past any comments and blank lines after it, so go by its last item."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _content_end(text, node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _content_end(text, node.value[-1])
    end = node.end_mark.index
    while end > node.start_mark.index and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _next_line(text: str, index: int) -> int:
    """The start of the line after the one ``index`` is on (the end, on the last line)."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _column_of_dash(text: str, item: yaml.Node) -> int:
    start = _line_start(text, item.start_mark.index)
    line = text[start : item.start_mark.index]
    return len(line) - len(line.lstrip(" "))


def _lines(text: str, at: int, lines: list[str], newline: str) -> str:
    """Lines to insert at ``at``, the start of a line (or the end of a text that may not
    end with a line break)."""
    lead = newline if at == len(text) and text and not text.endswith("\n") else ""
    return lead + newline.join(lines) + newline


def _apply(text: str, edits: list[_Edit]) -> str:
    """The text with each edit made; edits never overlap, and are made from the end."""
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text
