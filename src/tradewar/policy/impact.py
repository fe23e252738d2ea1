"""Partial-equilibrium impact of a tariff change, per product line (Armington, WITS-SMART).

For one product line with import value ``V`` from the partner at the weight year (customs
value, duty excluded), taken as the imports at the baseline tariff ``t0``, and a
scenario tariff ``t1`` (ad valorem fractions), with ``x = (1 + t1) / (1 + t0)``:

* import demand ``Q = A * P^-sigma`` (``P``: the importer's duty-inclusive price),
  export supply ``Q = B * p^eta`` (``p``: the exporter's price, duty excluded);
* pass-through ``phi = eta / (eta + sigma)`` (1 when ``eta`` is infinite);
* exporter price ratio ``r = x^(phi - 1)``; importer price ratio ``R = x^phi``;
  quantity ratio ``q = R^-sigma``;
* **import change** ``V * (r * q - 1)`` (customs value);
* **tariff revenue** change ``t1 * V * r * q - t0 * V``;
* **cost to importers and consumers** (loss of their surplus)
  ``V * (1 + t0) * (R^(1 - sigma) - 1) / (1 - sigma)`` (``V * (1 + t0) * ln R`` when
  sigma = 1);
* **exporter loss** ``V * (1 - r^(1 + eta)) / (1 + eta)`` (0 with complete pass-through);
* **deadweight loss** = cost to importers + exporter loss - revenue change (the surplus
  lost by everyone, net of the transfer to the treasury).

Effects are annual flows; over a period, each interval between schedule changes counts
``days / year_days`` of a year at the tariffs in force on its first day. The whole
computation is one DuckDB query over a table of (line, interval) rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, model_validator

from ..config import authored_dir
from ..errors import InputError
from ..model.measures import Reference
from . import load_model

NAMES = ("import_demand_elasticity", "export_supply_elasticity", "pass_through")
CONSISTENCY_TOLERANCE = 1e-9


class ParameterSpec(BaseModel):
    """One parameter: its default value, label, unit and the study it comes from."""

    model_config = ConfigDict(extra="forbid")
    value: float
    label: str
    unit: str
    source: str
    references: list[Reference] = []


class ImpactFile(BaseModel):
    """``data/parameters/impact.yaml``."""

    model_config = ConfigDict(extra="forbid")
    model: Literal["armington-pe"]
    description: str
    parameters: dict[
        Literal["import_demand_elasticity", "export_supply_elasticity", "pass_through"],
        ParameterSpec,
    ]
    year_days: int = 365

    @model_validator(mode="after")
    def _check(self) -> ImpactFile:
        missing = set(NAMES) - set(self.parameters)
        if missing:
            raise ValueError(f"parameters missing: {', '.join(sorted(missing))}")
        p = self.parameters
        Params.make(
            p["import_demand_elasticity"].value,
            p["export_supply_elasticity"].value,
            p["pass_through"].value,
        )
        return self


@dataclass(frozen=True)
class Params:
    """Resolved parameters: sigma, eta (``math.inf`` allowed) and phi."""

    sigma: float
    eta: float
    phi: float
    year_days: int = 365
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    overridden: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()

    @staticmethod
    def derive_phi(sigma: float, eta: float) -> float:
        if math.isinf(eta) or eta + sigma == 0:
            return 1.0
        return eta / (eta + sigma)

    @staticmethod
    def derive_eta(sigma: float, phi: float) -> float:
        return math.inf if phi >= 1.0 else phi * sigma / (1.0 - phi)

    @classmethod
    def make(cls, sigma: float, eta: float | None, phi: float | None, **kw: Any) -> Params:
        """Check ranges and that phi = eta / (eta + sigma); derive the one not given."""
        if not (sigma >= 0 and math.isfinite(sigma)):
            raise InputError(f"import_demand_elasticity {sigma} must be a number >= 0")
        if eta is not None and not eta >= 0:
            raise InputError(f"export_supply_elasticity {eta} must be >= 0 (or .inf)")
        if phi is not None and not 0 <= phi <= 1:
            raise InputError(f"pass_through {phi} must be between 0 and 1")
        derived = []
        if eta is None and phi is None:
            raise InputError("give export_supply_elasticity or pass_through")
        if eta is None:
            eta, derived = cls.derive_eta(sigma, phi), ["export_supply_elasticity"]
        elif phi is None:
            phi, derived = cls.derive_phi(sigma, eta), ["pass_through"]
        elif sigma > 0 and abs(cls.derive_phi(sigma, eta) - phi) > CONSISTENCY_TOLERANCE:
            raise InputError(
                f"pass_through {phi} is inconsistent with export_supply_elasticity {eta} and "
                f"import_demand_elasticity {sigma} (eta / (eta + sigma) = "
                f"{cls.derive_phi(sigma, eta):.6g}); give one of the two"
            )
        return cls(sigma, eta, phi, derived=tuple(derived), **kw)

    def as_dict(self) -> dict[str, Any]:
        """For JSON: values (an infinite eta as the string 'infinite'), sources, and
        which values were overridden or derived."""
        return {
            "import_demand_elasticity": self.sigma,
            "export_supply_elasticity": "infinite" if math.isinf(self.eta) else self.eta,
            "pass_through": self.phi,
            "year_days": self.year_days,
            "overridden": list(self.overridden),
            "derived": list(self.derived),
            "sources": dict(self.sources),
        }


def parameters_path() -> Path:
    return authored_dir() / "parameters" / "impact.yaml"


def load_parameters(path: Path | None = None) -> ImpactFile:
    """The parameter file, validated (errors name the file and line)."""
    return load_model(ImpactFile, path or parameters_path(), "impact parameter file")


def resolve(overrides: dict[str, float | None] | None = None, path: Path | None = None) -> Params:
    """Defaults from the parameter file, with ``overrides`` applied.

    An override of ``pass_through`` alone re-derives ``export_supply_elasticity`` and
    vice versa; overriding ``import_demand_elasticity`` alone keeps the default
    ``export_supply_elasticity`` and re-derives ``pass_through``.
    """
    spec = load_parameters(path)
    over = dict(overrides or {})
    unknown = set(over) - set(NAMES)
    if unknown:
        raise InputError(
            f"unknown impact parameter(s) {', '.join(sorted(unknown))}: use {', '.join(NAMES)}"
        )
    for name, value in over.items():
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"impact parameter {name}: {value!r} is not a number")
    p = spec.parameters
    sigma = float(over.get("import_demand_elasticity", p["import_demand_elasticity"].value))
    eta: float | None = over.get("export_supply_elasticity")
    phi: float | None = over.get("pass_through")
    if eta is None and phi is None:
        eta = p["export_supply_elasticity"].value
    sources = {name: " ".join(p[name].source.split()) for name in NAMES}
    for name in over:
        sources[name] = "override (scenario file or --set)"
    return Params.make(
        sigma,
        None if eta is None else float(eta),
        None if phi is None else float(phi),
        year_days=spec.year_days,
        sources=sources,
        overridden=tuple(sorted(over)),
    )


def parse_settings(settings: list[str] | None) -> dict[str, float]:
    """``NAME=VALUE`` strings (``--set``) to overrides; ``inf`` is accepted."""
    out: dict[str, float] = {}
    for text in settings or []:
        name, sep, value = text.partition("=")
        if not sep:
            raise InputError(f"--set {text!r}: use NAME=VALUE, e.g. pass_through=0.8")
        try:
            out[name.strip()] = float(value.strip())
        except ValueError:
            raise InputError(f"--set {text!r}: {value.strip()!r} is not a number") from None
    return out


# --- the computation ------------------------------------------------------------------

EFFECTS = (
    "import_change",
    "revenue_change",
    "consumer_cost",
    "exporter_loss",
    "deadweight_loss",
)


def line_sql(table: str, params: Params) -> str:
    """Per (line, interval) effects over ``table``.

    ``table`` has ``code``, ``value`` (annual import value, USD), ``t0``, ``t1``
    (fractions) and ``share`` (the interval's share of a year). Rows with a missing
    value or rate are left out (reported by the caller as unmatched).
    """
    sigma, phi = repr(float(params.sigma)), repr(float(params.phi))
    eta_inf = math.isinf(params.eta)
    eta = "0" if eta_inf else repr(float(params.eta))
    if abs(params.sigma - 1.0) < 1e-12:
        cost = "ln(rp)"
    else:
        cost = f"(pow(rp, 1 - {sigma}) - 1) / (1 - {sigma})"
    exporter = "0.0::DOUBLE" if eta_inf else f"value * (1 - pow(rstar, 1 + {eta})) / (1 + {eta})"
    return f"""
        WITH x AS (
            SELECT *, (1 + t1) / (1 + t0) AS ratio FROM {table}
            WHERE value IS NOT NULL AND t0 IS NOT NULL AND t1 IS NOT NULL
        ), p AS (
            SELECT *, pow(ratio, {phi} - 1) AS rstar, pow(ratio, {phi}) AS rp FROM x
        ), q AS (
            SELECT *, pow(rp, -{sigma}) AS qty FROM p
        ), e AS (
            SELECT *,
                   value * rstar * qty - value AS import_change,
                   t1 * value * rstar * qty - t0 * value AS revenue_change,
                   value * (1 + t0) * {cost} AS consumer_cost,
                   {exporter} AS exporter_loss
            FROM q
        )
        SELECT *, consumer_cost + exporter_loss - revenue_change AS deadweight_loss FROM e
    """


def evaluate(
    con: duckdb.DuckDBPyConnection, table: str, params: Params, top: int = 15
) -> dict[str, Any]:
    """Totals over the period, the affected lines, and the lines with the largest cost.

    ``table`` as in ``line_sql``, plus ``day`` (the interval's first day) and
    ``description``. Annual effects are weighted by each row's ``share`` of a year.
    """
    sums = ", ".join(f"sum({e} * share) AS {e}" for e in EFFECTS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _impact_lines AS
            SELECT code, any_value(description) AS description,
                   sum(value * share) / nullif(sum(share), 0) AS value,
                   sum(t0 * share) / nullif(sum(share), 0) AS t0_avg,
                   sum(t1 * share) / nullif(sum(share), 0) AS t1_avg,
                   bool_or(t0 <> t1) AS affected,
                   sum(t0 * value * share) AS baseline_revenue, {sums}
            FROM ({line_sql(table, params)}) GROUP BY code"""
    )
    totals = con.execute(
        f"""SELECT count(*) FILTER (affected), sum(value) FILTER (affected),
                   sum(baseline_revenue), {", ".join(f"sum({e})" for e in EFFECTS)},
                   count(*)
            FROM _impact_lines"""
    ).fetchone()
    unmatched = con.execute(
        f"""SELECT count(DISTINCT code), sum(value * share) / nullif(
                (SELECT sum(DISTINCT share) FROM {table}), 0)
            FROM {table} WHERE value IS NULL OR t0 IS NULL OR t1 IS NULL"""
    ).fetchone()
    cur = con.execute(
        f"""SELECT code, description, value AS value_usd, 100 * t0_avg AS baseline_rate_pct,
                   100 * t1_avg AS scenario_rate_pct, {", ".join(EFFECTS)}
            FROM _impact_lines WHERE affected
            ORDER BY abs(consumer_cost) DESC, code LIMIT {int(top)}"""
    )
    names = [d[0] for d in cur.description]
    lines = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    effects = dict(zip(EFFECTS, totals[3:8], strict=True))
    return {
        "lines": totals[8],
        "lines_affected": totals[0],
        "value_affected": totals[1] or 0.0,
        "baseline_revenue": totals[2] or 0.0,
        **{k: v or 0.0 for k, v in effects.items()},
        "importer_net_welfare": (effects["revenue_change"] or 0.0)
        - (effects["consumer_cost"] or 0.0),
        "unmatched": {"codes": unmatched[0], "value_usd": unmatched[1] or 0.0},
        "top_lines": lines,
    }


def single(value: float, t0: float, t1: float, params: Params) -> dict[str, float]:
    """The model on one line for one year (same SQL as ``evaluate``)."""
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE TEMP TABLE one AS SELECT 'x' AS code, NULL AS description, "
            "DATE '2019-01-01' AS day, ?::DOUBLE AS value, ?::DOUBLE AS t0, "
            "?::DOUBLE AS t1, 1.0::DOUBLE AS share",
            [value, t0, t1],
        )
        cur = con.execute(f"SELECT qty, {', '.join(EFFECTS)} FROM ({line_sql('one', params)})")
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))
    finally:
        con.close()
