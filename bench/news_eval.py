"""Score the article checker on a labelled set: claim recall, precision, verdict accuracy.

    .venv/bin/python bench/news_eval.py --set ../shared/news/dev/articles.jsonl --json
    .venv/bin/python bench/news_eval.py --set ... --half a      # one half (held-out checks)

The set is JSON lines, one article each: ``id``, ``published``, ``era``, ``text`` and
``claims`` (``quote``, ``kind``, ``char_start``, ``truth``, ``truth_basis``), as in
``../shared/news/dev/README.md``. Every article is checked as ``tradewar check`` does
(its ``published`` date given as ``--date``), verification included.

- Recall: a gold claim is found when a predicted claim of the same kind overlaps its span.
- Precision: a predicted claim that overlaps no gold claim of its kind counts against it
  (the labels are not exhaustive, so this is a floor).
- Verdict accuracy, over found claims: the verdict of the best-overlapping prediction
  equals ``truth``; where ``truth_basis`` says the data are not in ``../shared``
  ("not in shared data", "China GAC / customs", "FT-900"), ``not_checkable`` also counts.
- ``by_kind``, ``by_era``, ``articles_per_s`` (wall time of check, models loaded),
  ``peak_rss_mb``, ``failures`` (articles whose check raised) and ``worst_misses``.

``--half a|b`` keeps a fixed half of the articles (every other id per era, by a hash of
the id), so rules developed on one half can be measured on the other.
Without ``--json`` a table of the ten worst misses is printed with their sentences.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

OUTSIDE_DATA = re.compile(r"not in shared data|China GAC|customs|FT-900", re.I)


def load_set(path: Path, half: str | None = None) -> list[dict[str, Any]]:
    """The labelled articles of ``path`` (one half of them with ``half`` 'a' or 'b')."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if half is None:
        return rows
    out = []
    for era in sorted({r.get("era", "") for r in rows}):
        ids = sorted(
            (r for r in rows if r.get("era", "") == era),
            key=lambda r: hashlib.sha1(r["id"].encode()).hexdigest(),
        )
        out += [r for i, r in enumerate(ids) if (i % 2 == 0) == (half == "a")]
    return out


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _sentence(text: str, start: int, end: int) -> str:
    dot = text.rfind(". ", 0, start)
    s = max(dot + 2 if dot >= 0 else 0, text.rfind("\n", 0, start) + 1)
    ends = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    e = min(ends) + 1 if ends else len(text)
    return " ".join(text[s:e].split())


def accepted(gold: dict[str, Any], verdict: str) -> bool:
    """Whether ``verdict`` is right for ``gold`` (not_checkable also when data are outside)."""
    if verdict == gold["truth"]:
        return True
    return verdict == "not_checkable" and bool(OUTSIDE_DATA.search(gold.get("truth_basis", "")))


def score_article(row: dict[str, Any], claims: list[dict[str, Any]]) -> dict[str, Any]:
    """Match one article's predicted claims with its gold claims."""
    golds = []
    for g in row["claims"]:
        span = (g["char_start"], g["char_start"] + len(g["quote"]))
        best = max(
            (c for c in claims if c["kind"] == g["kind"]),
            key=lambda c: _overlap(span, (c["start"], c["end"])),
            default=None,
        )
        found = best is not None and _overlap(span, (best["start"], best["end"])) > 0
        other = [
            c["kind"] for c in claims if _overlap(span, (c["start"], c["end"])) > 0
        ]  # kinds that did overlap (a wrong kind is an actionable miss)
        golds.append(
            {
                "id": row["id"],
                "era": row.get("era", ""),
                "kind": g["kind"],
                "quote": g["quote"],
                "truth": g["truth"],
                "found": found,
                "verdict": best["verdict"] if found else None,
                "right": found and accepted(g, best["verdict"]),
                "predicted_text": best["text"] if found else None,
                "reason": (best.get("reason") if found else None),
                "overlapping_kinds": sorted(set(other)),
                "sentence": _sentence(row["text"], *span),
            }
        )
    spans = [
        (g["kind"], (g["char_start"], g["char_start"] + len(g["quote"]))) for g in row["claims"]
    ]
    preds = [
        {
            "kind": c["kind"],
            "text": c["text"],
            "hit": any(k == c["kind"] and _overlap(s, (c["start"], c["end"])) for k, s in spans),
        }
        for c in claims
    ]
    return {"golds": golds, "preds": preds}


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def _summary(golds: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, Any]:
    found = [g for g in golds if g["found"]]
    return {
        "gold": len(golds),
        "found": len(found),
        "predicted": len(preds),
        "recall": _ratio(len(found), len(golds)),
        "precision": _ratio(sum(p["hit"] for p in preds), len(preds)),
        "verdict_accuracy": _ratio(sum(g["right"] for g in found), len(found)),
    }


def _worst(golds: list[dict[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    """Missed claims first (kinds with the most misses first), then wrong verdicts."""
    misses = [g for g in golds if not g["found"]]
    per_kind = defaultdict(int)
    for g in misses:
        per_kind[g["kind"]] += 1
    misses.sort(key=lambda g: (-per_kind[g["kind"]], g["id"]))
    wrong = [g for g in golds if g["found"] and not g["right"]]
    picked, seen = [], set()
    for g in misses + wrong:  # one per kind per round, so the table spans the problems
        if len(picked) >= n:
            break
        key = (g["kind"], g["found"])
        if key in seen and any((h["kind"], h["found"]) not in seen for h in misses + wrong):
            continue
        seen.add(key)
        picked.append(g)
    for g in misses + wrong:
        if len(picked) >= n:
            break
        if g not in picked:
            picked.append(g)
    keys = ("id", "kind", "truth", "found", "verdict", "overlapping_kinds", "quote", "sentence")
    return [{k: g[k] for k in keys} for g in picked[:n]]


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, kids) / 1024, 1)


def evaluate(rows: list[dict[str, Any]], store: Path | None = None) -> dict[str, Any]:
    """Check every article of ``rows`` and score it (see the module doc)."""
    from tradewar.news import nlp, pipeline
    from tradewar.news.verify import record

    nlp.load()
    record(store)  # the schedule record is loaded once, before timing
    golds: list[dict[str, Any]] = []
    preds: list[dict[str, Any]] = []
    failures = []
    t0 = time.perf_counter()
    for row in rows:
        try:
            checked = pipeline.check_text(
                row["text"], row["id"], date=row.get("published"), store=store
            )
            claims = [c.model_dump(mode="json") for c in checked.claims]
        except Exception as exc:
            failures.append({"id": row["id"], "error": f"{type(exc).__name__}: {exc}"})
            traceback.print_exc(file=sys.stderr)
            claims = []
        scored = score_article(row, claims)
        golds += scored["golds"]
        preds += [{**p, "era": row.get("era", ""), "id": row["id"]} for p in scored["preds"]]
    seconds = time.perf_counter() - t0
    result = _summary(golds, preds)
    result["by_kind"] = {
        k: _summary([g for g in golds if g["kind"] == k], [p for p in preds if p["kind"] == k])
        for k in sorted({g["kind"] for g in golds} | {p["kind"] for p in preds})
    }
    result["by_era"] = {}
    for era in sorted({r.get("era", "") for r in rows}):
        eg = [g for g in golds if g["era"] == era]
        ep = [p for p in preds if p["era"] == era]
        result["by_era"][era] = _summary(eg, ep) | {
            "by_kind": {
                k: _summary([g for g in eg if g["kind"] == k], [p for p in ep if p["kind"] == k])
                for k in sorted({g["kind"] for g in eg} | {p["kind"] for p in ep})
            }
        }
    result |= {
        "articles": len(rows),
        "seconds": round(seconds, 2),
        "articles_per_s": round(len(rows) / seconds, 2) if seconds else None,
        "peak_rss_mb": _peak_mb(),
        "failures": failures,
        "worst_misses": _worst(golds),
    }
    return result


def _table(result: dict[str, Any]) -> str:
    lines = [
        f"recall {result['recall']}  precision {result['precision']}  "
        f"verdict accuracy {result['verdict_accuracy']}  "
        f"({result['articles']} articles, {result['articles_per_s']} articles/s, "
        f"peak RSS {result['peak_rss_mb']} MB, {len(result['failures'])} failures)",
        "",
        f"{'era / kind':34} {'gold':>5} {'found':>5} {'recall':>7} {'prec':>6} {'acc':>6}",
    ]
    for era, s in result["by_era"].items():
        lines.append(
            f"{era:34} {s['gold']:>5} {s['found']:>5} {s['recall']!s:>7} "
            f"{s['precision']!s:>6} {s['verdict_accuracy']!s:>6}"
        )
        for kind, k in s["by_kind"].items():
            lines.append(
                f"  {kind:32} {k['gold']:>5} {k['found']:>5} {k['recall']!s:>7} "
                f"{k['precision']!s:>6} {k['verdict_accuracy']!s:>6}"
            )
    lines += ["", "10 worst misses:"]
    for i, g in enumerate(result["worst_misses"], 1):
        what = (
            "not found"
            + (
                f" (overlapped as {', '.join(g['overlapping_kinds'])})"
                if g["overlapping_kinds"]
                else ""
            )
            if not g["found"]
            else f"verdict {g['verdict']}, truth {g['truth']}"
        )
        lines.append(f"{i:2}. [{g['kind']}] {g['id']}: {what}")
        lines.append(f"    claim:    {g['quote']}")
        lines.append(f"    sentence: {g['sentence'][:300]}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="path", type=Path, required=True, help="labelled JSONL")
    parser.add_argument("--json", action="store_true", help="print JSON (the only output)")
    parser.add_argument("--half", choices=("a", "b"), help="score one fixed half of the set")
    parser.add_argument("--store", type=Path, help="the store (default: $TRADEWAR_HOME)")
    args = parser.parse_args()
    if not args.path.is_file():
        print(f"error: no such file: {args.path}", file=sys.stderr)
        raise SystemExit(2)
    result = evaluate(load_set(args.path, args.half), args.store)
    result["set"] = str(args.path) + (f" (half {args.half})" if args.half else "")
    print(json.dumps(result) if args.json else _table(result))


if __name__ == "__main__":
    main()
