"""The Section 301 exclusion notes read from the chapter 99 text, and their claim layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewar import api
from tradewar.config import raw_dir
from tradewar.data.sources.us_notes import note_items


@pytest.mark.parametrize(
    ("note", "items", "lists"),
    # USTR's counts: 352 reinstated, 77 COVID-19, 164 extended, 5 solar exclusions
    [("ttt", 352, 4), ("uuu", 77, 4), ("vvv", 164, 4), ("www", 5, 1)],
)
def test_note_items(note, items, lists):
    rows = note_items(Path(raw_dir()), note)
    assert rows[["part", "item", "source_row"]].drop_duplicates().shape[0] == items
    assert rows.list_heading.nunique() == lists
    assert not rows.code.str.startswith("99").any()


def test_whole_line_and_described_items():
    rows = note_items(Path(raw_dir()), "ttt")
    first = rows[(rows.part == 1) & (rows.item == 1)].iloc[0]
    assert (first.code, first.whole_line, first.list_heading) == ("8412210045", True, "9903.88.01")
    pumps = rows[(rows.part == 1) & (rows.item == 8)]
    assert list(pumps.code) == ["8413702004"] and not pumps.whole_line.any()
    pumps = pumps.iloc[0]
    assert "submersible" in pumps.text


def test_claim_layer_window(real_store):
    """9903.88.67 is claimable from 2021-10-12 through 2024-06-14 (heading text): claimed,
    it takes List 1's 25% off 8412.21.00.45; after its window the claim is refused."""
    before = api.duty("8412.21.00.45", "US", "CN", "2024-06-14", store=real_store)
    assert before["claims_available"] == ["9903.88.67"] and before["total_rate"] == 0.25
    claimed = api.duty(
        "8412.21.00.45", "US", "CN", "2024-06-14", claims=["9903.88.67"], store=real_store
    )
    assert claimed["total_rate"] == 0.0 and claimed["claims_applied"] == ["9903.88.67"]
    after = api.duty(
        "8412.21.00.45", "US", "CN", "2024-06-15", claims=["9903.88.67"], store=real_store
    )
    assert after["total_rate"] == 0.25 and after["claims_applied"] == []
    layer = next(y for y in before["layers"] if y["heading"] == "9903.88.67")
    assert "20(ttt)" in layer["citation"] and layer["in_total"] is False
