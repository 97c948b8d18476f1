"""The field reader: a YAML list of mappings → entries of the schema's dataclasses, each value checked.

`nutshell.schema` declares each key once (its kind, whether it is required, a hint); this reads a mapping
against those declarations: unknown, duplicate, missing keys and values of the wrong kind. Every string
then passes the policy in `nutshell.untrusted`, each finding reported where its character was written.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Generic, TypeVar

import yaml

from nutshell import untrusted
from nutshell.load.positions import LINE_BREAK, SourceText
from nutshell.load.problems import Place, Problems, quoted, suggest
from nutshell.house_style import style_findings
from nutshell.load.yaml_source import INT_TAG, NULL_TAG, SCALAR_TEXT_TAGS, STR_TAG
from nutshell.schema import (
    CLAIM_FIELDS, DATE_PATTERN, DOI_PATTERN, ID_PATTERN, SOURCE_FIELDS, URL_PATTERN, Claim, FieldSpec, Source,
)

# A one-line field longer than ONE_LINE_MAX is a paste gone wrong (the longest real one, a title, has
# about 210 characters); a Markdown field longer than TEXT_MAX belongs on a page of its own (the longest
# real one, an era introduction, has about 1,800). TEXT_MAX also bounds the time the Markdown checks
# spend on one value.
ONE_LINE_MAX = 1_000
TEXT_MAX = 8_000
_FINDINGS_PER_VALUE = 10  # more than this many policy findings in one value are summed up in one line

# A year written as a plain decimal number, and nothing else that YAML reads as an integer.
_YEAR = re.compile(r"[1-9][0-9]{0,3}\Z")
_ITEM_KIND = {"str-list": "str", "id-list": "id", "source-list": "source", "claim-list": "claim"}

T = TypeVar("T")


class Entry(Generic[T]):
    """One entry read from a data file, and where each of its values was written."""

    __slots__ = ("value", "source", "node", "nodes")  # a plain class: no dataclass to build at start-up

    def __init__(
        self, value: T, source: SourceText, node: yaml.MappingNode, nodes: dict[str, yaml.Node]
    ) -> None:
        self.value = value
        self.source = source
        self.node = node
        self.nodes = nodes  # the value node of each key that was read

    @property
    def place(self) -> Place:
        """Where the entry starts (its first key, just after the '- ')."""
        return self.source.at(self.node)

    def place_of(self, key: str, index: int | None = None) -> Place:
        """Where the value of ``key`` was written, or its item ``index`` when it is a list that has one."""
        node = self.nodes[key]
        if index is not None and isinstance(node, yaml.SequenceNode) and index < len(node.value):
            node = node.value[index]
        return self.source.at(node)


class FieldReader:
    """Turns composed YAML nodes into plain values while collecting problems with their places."""

    def __init__(self, problems: Problems, today: datetime.date) -> None:
        self.problems = problems
        self.today = today

    def entries(self, root: yaml.Node | None, source: SourceText, fields: tuple[FieldSpec, ...], what: str):
        """Yield (values, nodes, item) for each entry of a top-level YAML list, ``what`` naming one entry."""
        if root is None:
            return
        if not isinstance(root, yaml.SequenceNode):
            self.problems.add(source.at(root),
                              f"the file must be a YAML list of {what}s (each item starts with '- ')")
            return
        if not root.value:
            self.problems.add(source.at(root), f"the list is empty; the file must hold at least one {what}")
            return
        for index, item in enumerate(root.value):
            if not isinstance(item, yaml.MappingNode):
                self.problems.add(
                    source.at(item),
                    f"{what} {index + 1} must be a mapping of keys to values "
                    "(an entry is '- id: …' followed by one 'key: value' per line)",
                )
                continue
            read = self.mapping(item, fields, source, f"{what} {index + 1}")
            if read is not None:
                yield read[0], read[1], item

    def mapping(
        self, node: yaml.Node, fields: tuple[FieldSpec, ...], source: SourceText, what: str
    ) -> tuple[dict[str, Any], dict[str, yaml.Node]] | None:
        """Read a mapping against its field specs: unknown, duplicate, missing keys and wrong types.

        Returns the values read and the value node of each key (for the places of later problems).
        """
        if not isinstance(node, yaml.MappingNode):
            self.problems.add(source.at(node), f"{what} must be a mapping of keys to values")
            return None
        known = {f.name: f for f in fields}
        for key_node, value_node in node.value:  # name entries by their id when they have one
            has_id = getattr(key_node, "value", None) == "id" and isinstance(value_node, yaml.ScalarNode)
            if has_id and value_node.value:
                what = f"{what.split()[0]} {quoted(value_node.value, 40)}"
        values: dict[str, Any] = {}
        nodes: dict[str, yaml.Node] = {}
        first_seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.add(source.at(key_node), f"{what}: keys must be plain words")
                continue
            key = key_node.value
            if key in first_seen:
                self.problems.add(
                    source.at(key_node),
                    f"duplicate key {quoted(key)} (first at line {first_seen[key].start_mark.line + 1}); "
                    "YAML would silently keep only the last one, so remove one of them",
                )
                continue
            first_seen[key] = key_node
            spec = known.get(key)
            if spec is None:
                if key == "<<":
                    hint = " (merge keys are not supported; write the keys out in full)"
                else:
                    hint = suggest(key, known) or f" (allowed: {', '.join(known)})"
                self.problems.add(source.at(key_node), f"{what}: unknown key {quoted(key)}{hint}")
                continue
            nodes[key] = value_node
            value = self.value(value_node, spec.kind, source, f"{what}: {key}")
            if value is not None:
                values[key] = value
        for spec in fields:
            if spec.required and spec.name not in first_seen:
                hint = f" ({spec.help})" if spec.help else ""
                self.problems.add(source.at(node), f"{what}: missing required key '{spec.name}'{hint}")
        return values, nodes

    def value(self, node: yaml.Node, kind: str, source: SourceText, what: str):
        if kind in ("str", "text", "id", "date"):
            return self.text(node, kind, source, what)
        if kind == "int":
            return self.year(node, source, what)
        if kind in _ITEM_KIND:
            if not isinstance(node, yaml.SequenceNode):
                self.problems.add(source.at(node), f"{what} must be a list (write [] for none)")
                return None
            items = []
            for index, item in enumerate(node.value):
                value = self.value(item, _ITEM_KIND[kind], source, f"{what} item {index + 1}")
                if value is not None:
                    items.append(value)
            return tuple(items)
        if kind == "source":
            return self.source(node, source, what)
        if kind == "claim":
            return self.claim(node, source, what)
        raise AssertionError(f"unknown field kind {kind!r}")  # a bug in schema.py, not in the data

    # ── text ──────────────────────────────────────────────────────────────────

    def text(self, node: yaml.Node, kind: str, source: SourceText, what: str) -> str | None:
        """A str, text, id or date field: one string that also passes the untrusted-text policy."""
        raw = self.scalar_text(node, source, what)
        if raw is None:
            return None
        limit = TEXT_MAX if kind == "text" else ONE_LINE_MAX
        if len(raw) > limit:
            self.problems.add(source.at(node),
                              f"{what} is {len(raw):,} characters long; keep it under {limit:,}")
            return None
        # Findings are computed on the value exactly as the parser returned it, so offsets map to the file.
        findings = untrusted.markdown_findings(raw) if kind == "text" else untrusted.plain_findings(raw)
        if findings:
            self.report_findings(node, source, what, findings)
            return None
        if kind == "text":
            style = style_findings(raw)  # reported, but the value is kept: nothing else depends on it
            if style:
                self.report_findings(node, source, what, style)
            return raw.strip() + "\n"
        text = raw.strip()
        if LINE_BREAK.search(text):
            self.problems.add(source.at(node), f"{what} must be on one line")
            return None
        if kind == "id":
            return self.identifier(node, text, source, what)
        if kind == "date":
            return self.date(text, source.at(node), what)
        return text

    def scalar_text(self, node: yaml.Node, source: SourceText, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            kind = "list" if isinstance(node, yaml.SequenceNode) else "mapping"
            self.problems.add(source.at(node), f"{what} must be text, not a {kind}")
            return None
        if node.tag == NULL_TAG or not node.value.strip():
            self.problems.add(source.at(node), f"{what} is empty (give a value or remove the key)")
            return None
        if node.tag not in SCALAR_TEXT_TAGS:  # yes, no, on, off, true, false: YAML 1.1 reads them as booleans
            self.problems.add(source.at(node),
                              f"{what} must be text; quote it (\"{node.value}\") if you meant the word")
            return None
        return node.value

    def report_findings(self, node: yaml.ScalarNode, source: SourceText, what: str, findings) -> None:
        findings = sorted(findings, key=lambda f: f.offset)
        listed = findings[:_FINDINGS_PER_VALUE]
        for finding, index in zip(listed, source.scalar_indices(node, [f.offset for f in listed])):
            hint = ""
            escaped = source.text[index + 1:index + 2]
            backslash = node.style == '"' and source.text[index] == "\\"
            if backslash and escaped.isalpha() and escaped not in "xuU":
                # LaTeX in "…": \frac, \beta, \alpha and \vec are the escapes \f, \b, \a and \v
                hint = " (inside \"…\" a backslash starts an escape: use '…' or a '|' block for LaTeX)"
            self.problems.add(source.place(index), f"{what}: {finding.message}{hint}")
        if len(findings) > len(listed):
            self.problems.add(source.at(node), f"{what}: {len(findings) - len(listed)} more problems "
                              "like the ones listed for this value")

    def identifier(self, node: yaml.ScalarNode, text: str, source: SourceText, what: str) -> str | None:
        if ID_PATTERN.match(text):
            return text
        odd = re.search(r"[^\x00-\x7f]", node.value)
        if odd:  # a homoglyph (Cyrillic 'е' for 'e') or an accent: point at the character itself
            [index] = source.scalar_indices(node, [odd.start()])
            self.problems.add(
                source.place(index),
                f"{what} {quoted(text)} contains {odd.group(0)!r} (U+{ord(odd.group(0)):04X}), which is not "
                "ASCII; ids use only a-z, 0-9 and '-' (retype it)",
            )
            return None
        slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
        example = f": {quoted(slug)}" if slug and slug != text else ""
        self.problems.add(
            source.at(node),
            f"{what} {quoted(text)} is not kebab-case (use lowercase letters, digits and '-'{example})",
        )
        return None

    # ── dates and years ───────────────────────────────────────────────────────

    def date(self, text: str, place: Place, what: str) -> str | None:
        usage = 'write "YYYY-MM" or "YYYY-MM-DD"'
        match = DATE_PATTERN.match(text)
        if not match:
            self.problems.add(place, f"{what} {quoted(text)} is not a date ({usage})")
            return None
        year, month = int(match.group(1)), int(match.group(2))
        day = int(match.group(3)) if match.group(3) else None
        if not 1 <= month <= 12:
            self.problems.add(place, f"{what} {quoted(text)} is not a date (there is no month {month:02d})")
            return None
        try:
            when = datetime.date(year, month, day or 1)
        except ValueError:
            import calendar  # only for this message: at start-up it would cost `nutshell define` ~1 ms

            days = calendar.monthrange(year, month)[1] if year else 0
            reason = f"{calendar.month_name[month]} {year} has {days} days" if year else "there is no year 0"
            self.problems.add(place, f"{what} {quoted(text)} is not a date ({reason})")
            return None
        if (when if day else (year, month)) > (self.today if day else (self.today.year, self.today.month)):
            self.problems.add(place, f"{what} {quoted(text)} is in the future "
                              f"(today is {self.today.isoformat()}); record only what has happened")
            return None
        return text

    def year(self, node: yaml.Node, source: SourceText, what: str) -> int | None:
        """An int field: every one is a year. Only plain decimal digits count (YAML 1.1 also reads 0x7C2,
        0o…, 1_986, +1986 and the sexagesimal 32:23 as integers); nothing here can make int() raise."""
        if not isinstance(node, yaml.ScalarNode):
            kind = "list" if isinstance(node, yaml.SequenceNode) else "mapping"
            self.problems.add(source.at(node),
                              f"{what} must be a whole number (a year such as 1986), not a {kind}")
            return None
        written = node.value.strip()
        place = source.at(node)
        if node.tag == INT_TAG and _YEAR.match(written):
            year = int(written)
        elif node.tag == INT_TAG and written.isascii() and written.isdigit():
            self.problems.add(place,
                              f"{what} {quoted(written)} is not a year (write it with four digits, such as 1986)")
            return None
        elif node.tag == INT_TAG:
            self.problems.add(place,
                              f"{what} {quoted(written)} is not a plain year (write only digits, such as 1986)")
            return None
        elif node.tag == STR_TAG and _YEAR.match(written):
            self.problems.add(place,
                              f"{what} must be a whole number, not text (remove the quotes around {written})")
            return None
        else:
            self.problems.add(place, f"{what} must be a whole number (a year such as 1986)")
            return None
        # Every int field is a year and none may lie in the future: milestones and sources record what has
        # happened, and an era (a period of that history) ends at the latest year it covers so far; it is
        # extended when a later milestone needs it. Refusing only future years also means that data which
        # passes today passes on every later day.
        if year > self.today.year:
            self.problems.add(place, f"{what} {year} is in the future (this year is {self.today.year}); "
                              "record only what has happened")
            return None
        return year

    # ── sources ───────────────────────────────────────────────────────────────

    def source(self, node: yaml.Node, source: SourceText, what: str) -> Source | None:
        read = self.mapping(node, SOURCE_FIELDS, source, what)
        if read is None:
            return None
        values, nodes = read
        if "doi" in values and not DOI_PATTERN.match(values["doi"]):
            self.problems.add(
                source.at(nodes["doi"]),
                f"{what}: doi {quoted(values['doi'])} is not a bare DOI (write it as 10.xxxx/...)",
            )
            return None
        if "url" in values and not URL_PATTERN.match(values["url"]):
            self.problems.add(source.at(nodes["url"]),
                              f"{what}: url {quoted(values['url'])} is not an http(s) URL")
            return None
        if "doi" not in values and "url" not in values:
            self.problems.add(source.at(node), f"{what}: a source needs a 'doi' or a stable 'url'")
            return None
        if any(f.required and f.name not in values for f in SOURCE_FIELDS):
            return None
        return Source(**values)

    # ── claims (data/disputes.yaml) ───────────────────────────────────────────

    def claim(self, node: yaml.Node, source: SourceText, what: str) -> Claim | None:
        read = self.mapping(node, CLAIM_FIELDS, source, what)
        if read is None:
            return None
        values, _ = read
        if any(f.required and f.name not in values for f in CLAIM_FIELDS):
            return None
        return Claim(**values)
