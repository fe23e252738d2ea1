"""Articles per second of the news extraction pipeline (reading, spaCy, claims, events).

    .venv/bin/python bench/check_articles.py --json [--articles 200] [--processes 2]

The articles are the shared example documents, varied (a sentence number appended to
each paragraph so no two inputs are identical) and repeated to ``--articles``. The
model is loaded once, before timing. Verification is excluded. The same run measures
a baseline: one article at a time, ``nlp(text)`` on the whole text, no batching.
Prints one JSON object (``met`` is ``articles_per_s >= target``).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tradewar.config import documents_dir
from tradewar.news import nlp, pipeline
from tradewar.news.reader import read_article

TARGET = 20.0


def _articles(n: int) -> list[tuple[str, str, None]]:
    docs = sorted(documents_dir().glob("*.txt"))
    if not docs:
        raise SystemExit(f"no documents in {documents_dir()}")
    texts = [p.read_text(encoding="utf-8") for p in docs]
    out = []
    for i in range(n):
        base = texts[i % len(texts)]
        out.append((base.replace(" said.", f" said ({i}).", 1), f"bench-{i}", None))
    return out


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, kids) / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON (the only output)")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--processes", type=int, default=nlp.cpu_count())
    parser.add_argument("--batch-size", type=int, default=nlp.DEFAULT_BATCH)
    parser.add_argument("--baseline-articles", type=int, default=20)
    args = parser.parse_args()
    items = _articles(args.articles)
    words = sum(len(t.split()) for t, _, _ in items)
    model = nlp.load()
    pipeline.extract(read_article(items[0][0], "warm-up"))  # warm caches and imports

    t0 = time.perf_counter()
    done = list(pipeline.check_many(items, batch_size=args.batch_size, processes=args.processes))
    seconds = time.perf_counter() - t0
    claims = sum(len(c.claims) for c in done)
    events = sum(len(c.events) for c in done)

    base = items[: args.baseline_articles]
    t0 = time.perf_counter()
    for text, _, _ in base:
        model(text)
    base_s = time.perf_counter() - t0

    rate = len(done) / seconds
    result = {
        "articles": len(done),
        "seconds": round(seconds, 2),
        "articles_per_s": round(rate, 2),
        "words_per_s": round(words / seconds),
        "claims": claims,
        "events": events,
        "processes": args.processes,
        "batch_size": args.batch_size,
        "peak_rss_mb": _peak_mb(),
        "target": TARGET,
        "met": rate >= TARGET,
        "baseline": {
            "what": "one at a time, nlp(text) on the whole text, spaCy only, one process",
            "articles": len(base),
            "articles_per_s": round(len(base) / base_s, 2),
        },
        "model": nlp.info(),
        "cores": nlp.cpu_count(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")


if __name__ == "__main__":
    main()
