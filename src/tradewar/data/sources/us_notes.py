"""The products a U.S. note to subchapter III of chapter 99 enumerates (301 exclusions).

The Section 301 exclusion notes (U.S. note 20(sss) to (www)) list numbered products:
an item is either a whole statistical reporting number ("(1) 8412.21.0045") or a
product described within one ("(7) Direct acting ... (described in statistical
reporting number 8412.39.0080)"). :func:`note_items` reads them from the chapter 99
text (``CH99_NOTES``, HTS 2026 rev 6, which keeps the expired notes' lists), one row
per item and code, with the text line of the item (as ``grep -n`` counts lines).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from ...errors import SourceError

CH99_NOTES = "Budget-Lab-Yale__tariff-rate-tracker/data/us_notes/chapter99_2026_rev_6.txt"
_CODE = r"\d{4}\.\d{2}\.\d{2}(?:\d{2})?"
_ITEM = re.compile(r"^\((\d+)\)\s+(.*)$")
_NUMBERED_NOTE = re.compile(r"^(?:\(\d+\)|\d+\.)\s+\(a\)")  # "(21) (a)", "21. (a)"
_SUB_PART = re.compile(r"^(?:\([a-z]+\)\s+)?\((?:i|ii|iii|iv|v|vi)\)\s|^\([a-z]+\)\s+The U\.S\.")


@functools.lru_cache(maxsize=2)
def _lines(path: Path) -> tuple[str, ...]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(f"{CH99_NOTES}: cannot read ({exc})") from None
    return tuple(text.split("\n"))


def note_items(raw: Path, note: str, file: str = CH99_NOTES) -> pd.DataFrame:
    """Items of U.S. note 20(``note``), one row per item and code.

    Columns: note, part (the note's subdivision (i)-(iv), one per list), item (its
    number within the part), list_heading (the list heading the part excludes from),
    code, whole_line, text, source_row.

    ``code`` is the digits of each HTS number the item names (chapter 99 headings
    left out); ``whole_line`` is true when the item is the number alone, so the
    exclusion covers every product of that statistical reporting number. A note runs
    to the next note of its letter series or the next numbered note.
    """
    lines = _lines(raw / file)
    start = next((i for i, t in enumerate(lines) if t.startswith(f"({note})")), None)
    if start is None:
        raise SourceError(f"{file}: U.S. note 20({note}) not found")
    following = f"({chr(ord(note[0]) + 1) * len(note)})"  # (ttt) -> (uuu)
    end = next(
        (i for i in range(start + 1, len(lines))
         if lines[i].startswith(following) or _NUMBERED_NOTE.match(lines[i])),
        len(lines),
    )  # fmt: skip
    rows: list[dict] = []
    item: dict | None = None
    part, listed = 0, None
    for i in range(start, end):
        if _SUB_PART.match(lines[i]):
            part += 1
            # the list heading this part excludes from: the first it names
            head = " ".join(lines[i : i + 3])
            found = re.search(r"heading (9903\.88\.\d{2})", head)
            listed = found.group(1) if found else None
        hit = _ITEM.match(lines[i])
        if hit:
            item = {"part": part, "item": int(hit.group(1)), "list_heading": listed,
                    "row": i + 1, "text": [hit.group(2).strip()]}  # fmt: skip
            rows.append(item)
        elif item is not None and lines[i].startswith(" "):
            item["text"].append(lines[i].strip())
        else:
            item = None  # a sub-part's preamble or a page header ends the item
    out = []
    for r in rows:
        text = " ".join(r["text"])
        codes = [c for c in re.findall(_CODE, text) if not c.startswith("99")]
        whole = bool(re.fullmatch(_CODE, r["text"][0]))
        out += [
            {"note": note, "part": r["part"], "item": r["item"],
             "list_heading": r["list_heading"], "code": c.replace(".", ""),
             "whole_line": whole, "text": text, "source_row": r["row"]}
            for c in dict.fromkeys(codes)
        ]  # fmt: skip
    if not out:
        raise SourceError(f"{file}: U.S. note 20({note}) lists no products")
    return pd.DataFrame(out)


_LIST_CODE = re.compile(r"(?<![\d.])(\d{4}(?:\.\d{2}(?:\.\d{2}(?:\d{2})?)?)?)(?![\d.])")
_PAGE_LINE = re.compile(r"Harmonized Tariff Schedule|99 - III - \d+|^\s*XXII\s*$|Compiler's note")


def note_list(raw: Path, start: str, end: str, file: str = CH99_NOTES) -> pd.DataFrame:
    """The HTS numbers a U.S. note lists between the first line holding ``start`` and
    the next line holding ``end`` (e.g. U.S. note 16(c)(vi)-(viii), note 37(b)).

    Columns: code (digits), source_row (the text line, as ``grep -n`` counts). Page
    headers and compiler's notes are skipped; chapter 99 numbers are left out; a bare
    four-digit heading counts only on a line without words (not the year of a date).
    """
    lines = _lines(raw / file)
    first = next((i for i, t in enumerate(lines) if start in t), None)
    if first is None:
        raise SourceError(f"{file}: list start {start!r} not found")
    last = next((i for i in range(first + 1, len(lines)) if end in lines[i]), None)
    if last is None:
        raise SourceError(f"{file}: list end {end!r} not found after {start!r}")
    rows = [
        {"code": code.replace(".", ""), "source_row": i + 1}
        for i in range(first + 1, last)
        if not _PAGE_LINE.search(lines[i])
        for code in _LIST_CODE.findall(lines[i])
        if not code.startswith("99") and ("." in code or not re.search(r"[A-Za-z]", lines[i]))
    ]
    if not rows:
        raise SourceError(f"{file}: no HTS numbers between {start!r} and {end!r}")
    return pd.DataFrame(rows).drop_duplicates("code").reset_index(drop=True)
