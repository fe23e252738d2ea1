"""Articles per second of the news extraction pipeline (reading, spaCy, claims, events).

    .venv/bin/python bench/check_articles.py --json [--articles 200] [--processes 2]

The articles are the shared example documents (about 870 words each) or, with
``--set``, the texts of a labelled set such as ``../shared/news/dev/articles.jsonl``
(news openings of up to about 2,000 characters), varied (a number in one sentence, or
at the end, so no two inputs are identical) and repeated to ``--articles``. The
model is loaded once, before timing. Verification is excluded. The same run measures:

- ``previous``: the pipeline as it was before issue 13, on the same articles and
  processes: the model's full pipeline (attribute ruler and NER included) over every
  paragraph with a cue, all parsed; ``ratio_to_previous`` is the speed-up;
- ``baseline``: one article at a time, ``nlp(text)`` on the whole text, no batching.

Prints one JSON object (``met`` is ``articles_per_s >= target``). The machine may be
shared: figures are pessimistic when other processes run.
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

TARGET = 40.0


def _articles(n: int, labelled: Path | None = None) -> list[tuple[str, str, None]]:
    if labelled is not None:  # the texts of a labelled set (bench/news_eval.py format)
        rows = [json.loads(x) for x in labelled.read_text(encoding="utf-8").splitlines() if x]
        texts = [r["text"] for r in rows]
    else:
        docs = sorted(documents_dir().glob("*.txt"))
        if not docs:
            raise SystemExit(f"no documents in {documents_dir()}")
        texts = [p.read_text(encoding="utf-8") for p in docs]
    out = []
    for i in range(n):
        base = texts[i % len(texts)]
        varied = base.replace(" said.", f" said ({i}).", 1) if " said." in base else f"{base} ({i})"
        out.append((varied, f"bench-{i}", None))
    return out


def _previous(items: list, batch_size: int, processes: int) -> float:
    """Seconds for ``items`` through the previous configuration (see the module doc)."""
    import spacy

    full = spacy.load(nlp.MODEL)
    saved = (nlp.load, pipeline.parsable)
    nlp.load = lambda: full  # type: ignore[assignment]
    pipeline.parsable = lambda a: (  # type: ignore[assignment]
        s for s in pipeline.segments(a) if pipeline.CUE.search(s.text)
    )
    try:
        list(pipeline.check_many(items[:2], batch_size=batch_size))  # warm
        t0 = time.perf_counter()
        list(pipeline.check_many(items, batch_size=batch_size, processes=processes))
        return time.perf_counter() - t0
    finally:
        nlp.load, pipeline.parsable = saved


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
    parser.add_argument("--previous-articles", type=int, default=60)
    parser.add_argument("--set", dest="labelled", type=Path, help="texts of a labelled JSONL set")
    args = parser.parse_args()
    items = _articles(args.articles, args.labelled)
    words = sum(len(t.split()) for t, _, _ in items)
    model = nlp.load()
    pipeline.extract(read_article(items[0][0], "warm-up"))  # warm caches and imports

    t0 = time.perf_counter()
    done = list(pipeline.check_many(items, batch_size=args.batch_size, processes=args.processes))
    seconds = time.perf_counter() - t0
    claims = sum(len(c.claims) for c in done)
    events = sum(len(c.events) for c in done)

    prev_items = items[: args.previous_articles]
    prev_s = _previous(prev_items, args.batch_size, args.processes)

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
        "previous": {
            "what": "the model's full pipeline (attribute ruler, NER) over every paragraph "
            "with a cue, all parsed; same processes",
            "articles": len(prev_items),
            "articles_per_s": round(len(prev_items) / prev_s, 2),
        },
        "ratio_to_previous": round(rate / (len(prev_items) / prev_s), 2),
        "baseline": {
            "what": "one at a time, nlp(text) on the whole text, spaCy only, one process",
            "articles": len(base),
            "articles_per_s": round(len(base) / base_s, 2),
        },
        "texts": str(args.labelled) if args.labelled else "shared example documents",
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
