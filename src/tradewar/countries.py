"""Country codes (ISO 3166-1 alpha-2)."""

from __future__ import annotations

from .errors import InputError

# the two importers' codes, answered without loading pycountry's database (about 40 ms
# of a one-off ``tradewar duty``)
IMPORTERS = frozenset({"US", "CN"})


def normalize_country(raw: str) -> str:
    """Return the ISO alpha-2 code for a code or name, or raise ``InputError``."""
    text = str(raw).strip()
    if text.upper() in IMPORTERS:
        return text.upper()
    import pycountry

    if len(text) == 2 and pycountry.countries.get(alpha_2=text.upper()):
        return text.upper()
    if len(text) == 3 and pycountry.countries.get(alpha_3=text.upper()):
        return pycountry.countries.get(alpha_3=text.upper()).alpha_2
    try:
        found = pycountry.countries.lookup(text)
    except LookupError:
        raise InputError(f"unknown country {raw!r}: use an ISO code such as CN or US") from None
    return found.alpha_2


def importer_code(raw: str) -> str:
    """Importers with a schedule in tradewar: US and CN."""
    code = normalize_country(raw)
    if code not in ("US", "CN"):
        raise InputError(f"no schedule for importer {raw!r}: tradewar models US and CN")
    return code
