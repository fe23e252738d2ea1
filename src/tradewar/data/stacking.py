"""Stacking and exclusion rules between programs, as cited data (``data/stacking.yaml``).

Two kinds of rule, each written once and read by the panel (``model/panel.py``):

* ``excluded_while``: the programs of override group ``target_group`` do not apply to
  a product while a program of authority ``by_authority`` (or override group
  ``by_group``) bears a rate on it, between ``from`` and ``until``;
* ``claim_removes``: claiming heading ``heading`` (a Section 301 exclusion) takes the
  programs of ``target_group`` off the product; the panel's ``claim_rate`` is their sum.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import SourceError
from ..model.panel import STACK_RULE_COLUMNS
from .yamlload import load_yaml


class StackRule(BaseModel):
    """One cited rule."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str
    importer: Literal["US", "CN"]
    kind: Literal["excluded_while", "claim_removes"]
    target_group: str
    by_authority: str | None = None
    by_group: str | None = None
    heading: str | None = None
    valid_from: dt.date = Field(alias="from")
    until: dt.date | None = None
    citation: str
    note: str | None = None


def load_stack_rules(path: Path) -> pd.DataFrame:
    """The rules as a frame in the shape of the store's ``stack_rules`` table."""
    if not path.exists():
        return pd.DataFrame(columns=list(STACK_RULE_COLUMNS))
    data: Any = load_yaml(path)
    items = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SourceError(f"{path}: expected a list under 'rules'")
    rows = []
    for n, item in enumerate(items, 1):
        try:
            rule = StackRule.model_validate(item)
        except ValidationError as exc:
            raise SourceError(f"{path}: rule {n}: {exc.errors()[0]['msg']}") from None
        if rule.kind == "excluded_while" and not (rule.by_authority or rule.by_group):
            raise SourceError(f"{path}: rule {rule.id}: needs by_authority or by_group")
        if rule.kind == "claim_removes" and not rule.heading:
            raise SourceError(f"{path}: rule {rule.id}: needs the claimed heading")
        rows.append({
            "rule_id": rule.id, "importer": rule.importer, "kind": rule.kind,
            "target_group": rule.target_group, "by_authority": rule.by_authority,
            "by_group": rule.by_group, "heading": rule.heading,
            "valid_from": rule.valid_from, "valid_until": rule.until,
            "citation": rule.citation, "note": " ".join((rule.note or "").split()) or None,
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(STACK_RULE_COLUMNS))
    for column in ("valid_from", "valid_until"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame
