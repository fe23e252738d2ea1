"""Python facade for the article checker and the timeline (issue 5): plain dicts out.

    from tradewar.api import news as api_news
    checked = api_news.check_text(open("article.txt").read(), date="2019-02-19")
    checked["claims"][0]["verdict"], checked["claims"][0]["evidence"]
    api_news.check_html(checked)            # the self-contained HTML report
    api_news.timeline("2018-12-01", "2019-06-30")
    api_news.check_documents()              # every example article of documents_dir()

Rates are fractions and values USD; every verdict names its evidence and sources.
The news modules are imported when called, so this facade imports even while a part
of the pipeline is missing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import documents_dir
from ..errors import InputError

DOCUMENT_SUFFIXES = (".txt", ".html", ".htm")


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with the keyword arguments it accepts (None values dropped)."""
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        accepted = {k: v for k, v in kwargs.items() if v is not None}
    else:
        accepted = {k: v for k, v in kwargs.items() if k in params and v is not None}
    return fn(*args, **accepted)


def _checked_model(checked: Any) -> Any:
    from ..news.schema import CheckedArticle

    if isinstance(checked, CheckedArticle):
        return checked
    return CheckedArticle.model_validate(checked)


def check_text(
    text: str | bytes,
    date: str | None = None,
    source: str = "<text>",
    store: Path | None = None,
) -> dict[str, Any]:
    """Read, extract and verify one article (plain text or HTML): the CheckedArticle as a
    dict (``article``, ``claims`` with verdicts and evidence, ``events``, ``summary``)."""
    from ..news import pipeline

    checked = _call(pipeline.check_text, text, date=date, source=source, store=store)
    return _checked_model(checked).model_dump(mode="json")


def check_file(path: str | Path, date: str | None = None, store: Path | None = None) -> dict:
    """``check_text`` on a file's bytes (its path as the source)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no such file: {p}")
    return check_text(p.read_bytes(), date=date, source=str(p), store=store)


def check_html(checked: dict[str, Any] | Any) -> str:
    """The self-contained HTML report of a checked article (dict or CheckedArticle)."""
    from ..news.report_html import render_checked

    return render_checked(_checked_model(checked))


def documents(directory: Path | None = None) -> list[Path]:
    """The example articles (``config.documents_dir()``), sorted by name; [] if none."""
    folder = directory or documents_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in DOCUMENT_SUFFIXES)


def check_documents(
    directory: Path | None = None, store: Path | None = None
) -> list[dict[str, Any]]:
    """Every example article, checked (their dates as the reader finds or infers them)."""
    return [check_file(p, store=store) for p in documents(directory)]


def timeline(
    start: str | None = None,
    end: str | None = None,
    store: Path | None = None,
    checked: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The merged timeline: the schedule's dated measures with the curated and extracted
    events (``news.timeline.build_timeline``), each item a dict."""
    from ..news import timeline as _timeline

    articles = [_checked_model(c) for c in checked] if checked is not None else None
    items = _call(_timeline.build_timeline, start=start, end=end, store=store, articles=articles)
    return [i.model_dump(mode="json") if hasattr(i, "model_dump") else dict(i) for i in items]
