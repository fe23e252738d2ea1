"""A shipment as the user gives it, validated into canonical form."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..codes import normalize_code
from ..countries import importer_code, normalize_country
from ..errors import InputError
from ..formats import MAX_NUMBER, iso_date


@dataclass(frozen=True)
class Shipment:
    """One entry line: what, from where, into where, when, and how much."""

    code: str
    importer: str
    origin: str
    entered: dt.date
    exported: dt.date | None = None
    value: float | None = None
    quantity: float | None = None
    unit: str | None = None
    claims: tuple[str, ...] = ()  # claimed exclusion headings, e.g. ('9903.88.69',)
    content_value: float | None = None  # value of the content a content-value rate taxes

    @property
    def origin_group(self) -> str:
        """The panel's origin group: the trade-war partner, or '*' for all others."""
        partner = {"US": "CN", "CN": "US"}[self.importer]
        return partner if self.origin == partner else "*"


def parse_date(raw: str | dt.date, what: str) -> dt.date:
    """Parse YYYY-MM-DD (``formats.iso_date``) or raise ``InputError`` naming the field."""
    if isinstance(raw, dt.date):
        return raw
    day = iso_date(str(raw))
    if day is None:
        raise InputError(f"{what} date {raw!r} is not a date: use YYYY-MM-DD")
    return day


def make_shipment(
    code: str,
    importer: str = "US",
    origin: str = "CN",
    entered: str | dt.date = "",
    exported: str | dt.date | None = None,
    value: float | None = None,
    quantity: float | None = None,
    unit: str | None = None,
    claims: list[str] | tuple[str, ...] | None = None,
    content_value: float | None = None,
) -> Shipment:
    """Validate user input into a ``Shipment`` (raises ``InputError``)."""
    imp = importer_code(importer)
    org = normalize_country(origin)
    if org == imp:
        raise InputError(f"origin {org} is the importer itself: no import duty applies")
    entry = parse_date(entered, "entry")
    export = parse_date(exported, "export") if exported not in (None, "") else None
    if export is not None and export > entry:
        raise InputError(f"export date {export} is after the entry date {entry}")
    for name, number in (
        ("value", value),
        ("quantity", quantity),
        ("content value", content_value),
    ):
        if number is not None and not 0 <= number <= MAX_NUMBER:
            raise InputError(f"{name} must be a finite non-negative number, got {number}")
    if (quantity is None) != (unit is None):
        raise InputError("give --quantity and --unit together")
    if content_value is not None and value is not None and content_value > value:
        raise InputError(f"content value {content_value} is more than the value {value}")
    return Shipment(
        normalize_code(code), imp, org, entry, export, value, quantity, unit,
        tuple(parse_claims(claims)), content_value,
    )  # fmt: skip


CLAIM_PATTERN = re.compile(r"^99\d\d\.\d\d\.\d\d$")


def parse_claims(claims: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Claimed headings as '9903.88.69' (a string may list several, ';' or ','-separated)."""
    if claims is None:
        return []
    items = re.split(r"[;,\s]+", claims) if isinstance(claims, str) else list(claims)
    out = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        digits = item.replace(".", "")
        heading = f"{digits[:4]}.{digits[4:6]}.{digits[6:8]}" if len(digits) == 8 else item
        if not CLAIM_PATTERN.match(heading):
            raise InputError(f"claim {item!r} is not a chapter 99 heading such as 9903.88.69")
        out.append(heading)
    return sorted(set(out))
