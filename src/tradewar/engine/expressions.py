"""Parse and evaluate HTS "General Rate of Duty" text.

``parse_rate`` turns the wording of a rate ("Free", "5.6%", "1.5¢/kg",
"$1.20/doz. + 5%", "2.8 cents/kg", "3.7¢/kg on drained weight") into a
``ParsedRate``: its kind, its ad valorem part (a fraction) and its specific
components (USD per normalised unit). Wording that is not a plain combination of
percentages and per-unit amounts ("The rate applicable to the natural juice in
heading 2009", "6.9% on the case", sugar polarity scales) is kind ``other``, with
the text kept: it is never read as 0. Missing text is kind ``unknown``.

``evaluate`` applies a parsed rate to a value and a quantity and says how.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import InputError

KINDS = ("free", "ad_valorem", "specific", "compound", "other", "unknown")

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?|\.\d+"
# "on the entire set" taxes the whole value, so it is a plain ad valorem rate
_AV = re.compile(rf"^(?P<n>{_NUM})\s*%(?:\s+on the entire set)?$", re.IGNORECASE)
_SPEC = re.compile(
    rf"^(?:\$\s*(?P<usd>{_NUM})|(?P<cents>{_NUM})\s*¢)\s*"
    r"(?:/\s*(?P<unit>.+?)|\s+(?P<each>each))"
    r"(?:\s+(?P<basis>(?:on|of)\s+.+))?$",
    re.IGNORECASE,
)
_FREE = re.compile(r"^free(?:\s*$|\s*[(,])", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_FOOTNOTE = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰`*]|\s+\d{1,2}/\s*$")

# unit as written in a rate (lower case, no trailing dot) -> (normalised unit, per how many)
_RATE_UNITS: dict[str, tuple[str, float]] = {
    "kg": ("kg", 1),
    "clean kg": ("clean kg", 1),
    "g": ("g", 1),
    "t": ("t", 1),
    "liter": ("liter", 1),
    "pf. liter": ("pf.liter", 1),
    "pf.liter": ("pf.liter", 1),
    "doz": ("doz", 1),
    "pr": ("pair", 1),
    "pair": ("pair", 1),
    "bbl": ("bbl", 1),
    "m2": ("m2", 1),
    "m3": ("m3", 1),
    "gross": ("gross", 1),
    "head": ("no", 1),
    "article": ("no", 1),
    "each": ("no", 1),
    "no": ("no", 1),
    "pcs": ("pcs", 1),
    "1000": ("no", 1000),
    "1,000": ("no", 1000),
    "thousand": ("no", 1000),
    "1,000 pins": ("no", 1000),
    "jewel": ("jewel", 1),
}

# unit names a caller may use -> normalised unit
_UNIT_ALIASES: dict[str, str] = {
    "kgs": "kg",
    "kilo": "kg",
    "kilos": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "gram": "g",
    "grams": "g",
    "gr": "g",
    "ton": "t",
    "tons": "t",
    "tonne": "t",
    "tonnes": "t",
    "mt": "t",
    "metric ton": "t",
    "l": "liter",
    "liters": "liter",
    "litre": "liter",
    "litres": "liter",
    "millilitre": "ml",
    "milliliter": "ml",
    "millilitres": "ml",
    "milliliters": "ml",
    "pf. liter": "pf.liter",
    "pf.liters": "pf.liter",
    "pf. liters": "pf.liter",
    "pfl": "pf.liter",
    "proof liter": "pf.liter",
    "proof liters": "pf.liter",
    "dozen": "doz",
    "dozens": "doz",
    "each": "no",
    "number": "no",
    "unit": "no",
    "units": "no",
    "head": "no",
    "article": "no",
    "articles": "no",
    "pc": "pcs",
    "piece": "pcs",
    "pieces": "pcs",
    "pr": "pair",
    "prs": "pair",
    "pairs": "pair",
    "m²": "m2",
    "sq m": "m2",
    "square meter": "m2",
    "square meters": "m2",
    "m³": "m3",
    "cubic meter": "m3",
    "cubic meters": "m3",
    "barrel": "bbl",
    "barrels": "bbl",
    "1000": "thousand",
    "1,000": "thousand",
    "jewels": "jewel",
}

# normalised unit -> (family, size in the family's base unit)
_CONVERSIONS: dict[str, tuple[str, float]] = {
    "kg": ("mass", 1.0),
    "g": ("mass", 0.001),
    "t": ("mass", 1000.0),
    "liter": ("volume", 1.0),
    "ml": ("volume", 0.001),
    "no": ("count", 1.0),
    "pcs": ("count", 1.0),
    "doz": ("count", 12.0),
    "gross": ("count", 144.0),
    "thousand": ("count", 1000.0),
}


@dataclass(frozen=True)
class SpecificComponent:
    """One specific part of a rate: ``amount`` USD per ``unit``."""

    amount: float  # USD per unit
    unit: str  # normalised: kg, liter, doz, no, pf.liter, m2, clean kg, ...
    unit_text: str  # as written, e.g. "pf. liter" or "head"
    basis: str | None = None  # what is measured, e.g. "drained weight", "tungsten content"

    @property
    def label(self) -> str:
        """``kg`` or ``kg (drained weight)``: the unit with its basis."""
        return f"{self.unit} ({self.basis})" if self.basis else self.unit


@dataclass(frozen=True)
class ParsedRate:
    """A general rate of duty, parsed.

    ``ad_valorem`` is a fraction: 0.0 for Free and for purely specific rates, None
    for ``other``/``unknown``. ``components`` are the specific parts.
    """

    kind: str
    ad_valorem: float | None
    components: tuple[SpecificComponent, ...]
    text: str
    note: str | None = None

    @property
    def key(self) -> str:
        """A canonical form: equal keys mean the same duty whatever the wording."""
        if self.kind in ("other", "unknown"):
            return f"{self.kind}:{_clean(self.text).lower()}"
        parts = [f"{self.kind}:{self.ad_valorem!r}"]
        parts += [f"{c.amount!r}/{c.label}" for c in self.components]
        return " + ".join(parts)


@dataclass(frozen=True)
class Evaluation:
    """The duty a rate gives on a value and quantity, and how it was computed."""

    duty: float | None  # USD; None when it cannot be computed
    ad_valorem_equivalent: float | None  # duty / value, fraction
    calculation: str
    expressible: bool


def _clean(text: str) -> str:
    """Remove markup, footnote marks and spacing quirks of the HTS exports."""
    s = _TAGS.sub("", text).replace("¢;", "¢").replace("\u00a0", " ")
    s = _FOOTNOTE.sub("", s)
    s = re.sub(r"(\d)\s*cents?\b", r"\1¢", s, flags=re.IGNORECASE)
    s = re.sub(r"(\d)\s*percent\b", r"\1%", s, flags=re.IGNORECASE)
    s = re.sub(r"/\s+", "/", s)
    s = " ".join(s.split())
    return s[:-1].rstrip() if s.endswith(".") else s


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _specific(match: re.Match[str]) -> SpecificComponent | None:
    usd = match["usd"]
    amount = _number(usd) if usd is not None else _number(match["cents"]) / 100
    unit_text = "each" if match["each"] else match["unit"].strip()
    found = _RATE_UNITS.get(unit_text.lower().rstrip(".").strip())
    if found is None:
        return None
    unit, per = found
    basis = match["basis"]
    if basis:
        basis = re.sub(r"^(on|of)\s+(the\s+)?", "", basis.strip(), flags=re.IGNORECASE)
    if unit_text.lower().endswith("pins"):
        basis = basis or "pins"
    return SpecificComponent(round(amount / per, 12), unit, unit_text, basis or None)


@lru_cache(maxsize=8192)
def parse_rate(text: str | None) -> ParsedRate:
    """Parse a general rate of duty; see the module docstring for the forms."""
    original = "" if text is None else str(text)
    cleaned = _clean(original)
    if not cleaned:
        return ParsedRate("unknown", None, (), original, "no rate text")
    if _FREE.match(cleaned):
        return ParsedRate("free", 0.0, (), original)
    ad_valorem: float | None = None
    components: list[SpecificComponent] = []
    for term in (t.strip() for t in cleaned.split("+")):
        av = _AV.match(term)
        if av:
            if ad_valorem is not None:
                return ParsedRate("other", None, (), original, "two ad valorem parts")
            ad_valorem = round(_number(av["n"]) / 100, 12)
            continue
        spec = _SPEC.match(term)
        component = _specific(spec) if spec else None
        if component is None:
            return ParsedRate("other", None, (), original, f"not a duty expression: {term!r}")
        components.append(component)
    if not components:
        return ParsedRate("ad_valorem", ad_valorem, (), original)
    kind = "compound" if ad_valorem is not None else "specific"
    return ParsedRate(kind, ad_valorem or 0.0, tuple(components), original)


def normalize_unit(unit: str) -> str:
    """A caller's unit in the normalised spelling (``Kilograms`` -> ``kg``)."""
    text = " ".join(str(unit).strip().lower().split())
    text = text.rstrip(".")
    if text in _CONVERSIONS or text in {u for u, _ in _RATE_UNITS.values()}:
        return text
    return _UNIT_ALIASES.get(text, _RATE_UNITS.get(text, (text, 1))[0])


def _convert(quantity: float, unit: str, target: str) -> float | None:
    """``quantity`` of ``unit`` expressed in ``target``, or None if incompatible."""
    if unit == target:
        return quantity
    a, b = _CONVERSIONS.get(unit), _CONVERSIONS.get(target)
    if a is None or b is None or a[0] != b[0]:
        return None
    return quantity * a[1] / b[1]


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.6f}".rstrip("0").rstrip(".") + "%"


def _usd(amount: float) -> str:
    text = f"{amount:,.8f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"${whole}.{decimals.ljust(2, '0')}"


def _qty(quantity: float) -> str:
    if float(quantity).is_integer():
        return f"{int(quantity):,}"
    return f"{quantity:,.6f}".rstrip("0").rstrip(".")


def _not_expressible(parsed: ParsedRate, why: str) -> Evaluation:
    return Evaluation(None, None, f"{_clean(parsed.text)!r}: {why}", False)


def evaluate(
    parsed: ParsedRate,
    value: float | None,
    quantity: float | None,
    unit: str | None,
) -> Evaluation:
    """The duty of ``parsed`` on ``value`` USD and ``quantity`` ``unit``.

    Specific and compound rates need a quantity in a unit compatible with the
    rate's (kg/g/t, liter/ml, no/pcs/doz/gross; others must match exactly);
    without one they are not expressible (duty None, never 0). An incompatible
    unit raises ``InputError``. ``other`` and ``unknown`` rates are not expressible.
    """
    for name, number in (("value", value), ("quantity", quantity)):
        if number is not None and not number >= 0:
            raise InputError(f"{name} must be a non-negative number, got {number}")
    if parsed.kind in ("other", "unknown"):
        what = "no rate in the source" if parsed.kind == "unknown" else "not a computable rate"
        return _not_expressible(parsed, f"{what}; duty not expressible")
    if parsed.kind == "free":
        return Evaluation(0.0, 0.0, "Free = $0.00", True)
    av = parsed.ad_valorem or 0.0
    if parsed.kind == "ad_valorem":
        if value is None:
            return Evaluation(None, av, f"{_pct(av)} × value (no value given)", True)
        duty = av * value
        return Evaluation(duty, av, f"{_pct(av)} × {_usd(value)} = {_usd(duty)}", True)
    needs = " and ".join(dict.fromkeys(c.label for c in parsed.components))
    if quantity is None:
        return _not_expressible(parsed, f"needs a quantity in {needs}; not expressible without it")
    if unit is None or not str(unit).strip():
        raise InputError(f"quantity {_qty(quantity)} given without a unit (rate is per {needs})")
    given = normalize_unit(unit)
    converted = [_convert(quantity, given, c.unit) for c in parsed.components]
    if all(q is None for q in converted):
        raise InputError(
            f"unit {unit!r} does not match the rate's unit {needs!r} "
            f"(rate {_clean(parsed.text)!r}): give the quantity in {needs}"
        )
    if any(q is None for q in converted):
        return _not_expressible(
            parsed, f"has parts per {needs}: one quantity in {given} cannot express them all"
        )
    parts: list[str] = []
    duty = 0.0
    if parsed.kind == "compound":
        if value is None:
            return _not_expressible(parsed, f"needs a value for its {_pct(av)} part")
        duty += av * value
        parts.append(f"{_pct(av)} × {_usd(value)}")
    for comp, q in zip(parsed.components, converted, strict=True):
        assert q is not None
        duty += comp.amount * q
        shown = f"{_qty(q)} {comp.unit}"
        if given != comp.unit:
            shown += f" ({_qty(quantity)} {given})"
        parts.append(f"{_usd(comp.amount)}/{comp.label} × {shown}")
    ave = duty / value if value else None
    return Evaluation(duty, ave, f"{' + '.join(parts)} = {_usd(duty)}", True)
