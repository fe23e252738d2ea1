"""Measures as dated, cited records (the authored YAML under ``data/measures``).

A measure file holds shared fields (authority, importer, origin, override group)
and a list of measures. Each measure has a product scope, which says where its
product list comes from (a raw source compiled at build time, or codes and code
ranges written in the file), and dated steps. A step may carry its own heading,
rate, export-date window and citation; missing fields fall back to the measure's.
``history`` records steps that were announced but never took effect as announced
(postponements, suspensions), so scenarios and the article checker can use them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import SourceError

Authority = Literal["MFN", "Section 301", "Section 232", "Retaliation", "IEEPA", "Section 122"]
# ad_valorem: a share of the customs value; content_value: a share of the value of a
# content (copper, metal) that the shipment must state; claim: shown, applied only
# when the importer claims the heading (a Section 301 exclusion); floor: the additional
# duty that brings the column 1 rate up to ``rate`` (0 at or above it), set per line
# from the MFN layers at build time (unknown where the column 1 rate is not ad valorem)
RateKind = Literal["ad_valorem", "content_value", "claim", "floor"]


class Reference(BaseModel):
    """A citation: title (e.g. '83 FR 28710') and, where known, a link."""

    model_config = ConfigDict(extra="forbid")
    title: str
    href: str | None = None


class Step(BaseModel):
    """One dated rate step. ``until`` and ``export_until`` are exclusive."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    valid_from: dt.date = Field(alias="from")
    until: dt.date | None = None
    rate: float | None = None  # fraction; None = taken from the product list
    rate_column: str | None = None  # column of a raw source giving per-line rates
    heading: str | None = None
    export_from: dt.date | None = None
    export_until: dt.date | None = None
    # not_modelled: the program changed in a way the data here cannot express; its
    # rate is unknown from that date (never carried forward, never 0)
    status: Literal["in_force", "suspended", "pending", "not_modelled"] = "in_force"
    kind: RateKind = "ad_valorem"
    # with kind 'floor': the heading of the lines whose column 1 rate already reaches it
    heading_at_floor: str | None = None
    citation: str
    references: list[Reference] = []
    note: str | None = None
    # how exact the rate is: 'exact' (default), 'reconstructed' (with ``method``),
    # 'mfn-carried-forward'; a product list's own precision column wins
    precision: Literal["exact", "reconstructed", "mfn-carried-forward"] | None = None
    method: str | None = None  # how a reconstructed rate was derived

    @model_validator(mode="after")
    def _check(self) -> Step:
        if self.until is not None and self.until <= self.valid_from:
            raise ValueError(f"step until {self.until} is not after from {self.valid_from}")
        if self.rate is not None and not 0 <= self.rate <= 5:
            raise ValueError(f"rate {self.rate} is not a fraction (0.25 means 25%)")
        if self.rate is None and self.rate_column is None and self.status != "not_modelled":
            raise ValueError("a step needs a rate or a rate_column")
        if self.kind == "floor" and self.rate is None:
            raise ValueError("a floor step needs its rate (the total it brings lines up to)")
        if self.precision == "reconstructed" and not self.method:
            raise ValueError("a reconstructed step needs its method")
        return self

    @property
    def governs(self) -> str:
        """'export+entry' when the export date matters, else 'entry'."""
        if self.export_from or self.export_until:
            return "export+entry"
        return "entry"


class HistoryEntry(BaseModel):
    """An announced step that did not take effect as announced."""

    model_config = ConfigDict(extra="forbid")
    announced: dt.date
    planned_from: dt.date | None = None
    rate: float | None = None
    outcome: str
    citation: str
    pending: bool = False  # announced for a later date, not yet in force


class Scope(BaseModel):
    """Where the product list comes from.

    ``source`` names a compiled raw list (e.g. 'usitc_china_tariffs'), with
    ``headings`` selecting its rows; or ``codes``/``ranges`` list codes in the
    file itself (ranges are inclusive, compared at the length of their ends).
    ``conditional`` maps codes to a condition that the code alone cannot settle.
    """

    model_config = ConfigDict(extra="forbid")
    source: str | None = None
    headings: list[str] = []
    codes: list[str] = []
    ranges: list[tuple[str, str]] = []
    conditional: dict[str, str] = {}
    # source 'csv': a raw CSV list (file, relative to TRADEWAR_RAW) with its code
    # column, optional per-product date columns (NA = open) and row filters;
    # source 'hts_footnotes': HTS lines whose footnotes name one of ``headings`` in
    # the JSON revision ``revision``; source 'us_all_products': every HTS heading of
    # chapters 01-97 (the measure covers all goods of the origin); source 'us_note':
    # the products U.S. note 20(``us_note``) of chapter 99 enumerates (301 exclusions);
    # source 'us_note_list': the HTS numbers a chapter 99 U.S. note lists between the
    # line holding ``list_start`` and the next holding ``list_end`` (``us_note`` names
    # the subdivision, e.g. '16(c)(vi)-(viii)')
    file: str | None = None
    code_column: str | None = None
    from_column: str | None = None
    until_column: str | None = None
    where: dict[str, str] = {}
    revision: str | None = None
    us_note: str | None = None
    list_start: str | None = None
    list_end: str | None = None
    # a condition the code alone cannot settle, on every listed code except those of
    # ``unconditional_chapters`` (e.g. the 15% metal weight rule outside chapters 72-76)
    condition: str | None = None
    unconditional_chapters: list[str] = []
    # a listed code a later instrument took off the list: its rows end on that date
    ends: dict[str, dt.date] = {}
    # a listed code that the instrument covers only in part: replaced by these codes
    narrow: dict[str, list[str]] = {}
    secondary: str | None = None  # set when the list is not an official text
    note: str | None = None


class Measure(BaseModel):
    """A measure: one list, round or rate schedule, with its steps."""

    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    heading: str | None = None
    scope: Scope
    steps: list[Step]
    override_group: str | None = None  # overrides the file's group for this measure
    # this measure's products take the place of ``replaces`` (a measure id of the same
    # override group) on their dates; an ``exemption`` only where that measure applies
    replaces: str | None = None
    exemption: bool = False
    history: list[HistoryEntry] = []
    published_lines: int | None = None
    announced_value_usd_bn: float | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _steps_ordered(self) -> Measure:
        if not self.steps:
            raise ValueError(f"measure {self.id} has no steps")
        return self


class MeasureFile(BaseModel):
    """One YAML file of measures sharing authority, importer and origin."""

    model_config = ConfigDict(extra="forbid")
    authority: Authority
    importer: Literal["US", "CN"]
    origin: str  # ISO2, or '*' for every origin
    override_group: str
    description: str | None = None
    references: list[Reference] = []
    measures: list[Measure]


def load_measure_file(path: Path) -> MeasureFile:
    """Load and validate one measure file; errors name the file and field."""
    from ..data.yamlload import load_yaml

    data: Any = load_yaml(path)
    try:
        return MeasureFile.model_validate(data)
    except Exception as exc:  # pydantic.ValidationError
        raise SourceError(f"{path}: invalid measure file: {exc}") from None


def load_measures(directory: Path) -> list[tuple[Path, MeasureFile]]:
    """Every ``*.yaml`` under ``directory``, sorted by path."""
    files = sorted(directory.rglob("*.yaml"))
    if not files:
        raise SourceError(f"no measure files under {directory}")
    return [(p, load_measure_file(p)) for p in files]
