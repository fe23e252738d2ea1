"""Where things live: raw sources, the store, and the authored measure files."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent.parent
STORE_NAME = "tradewar.duckdb"
STORE_VERSION = 1
# how ``tradewar serve --workers N`` hands each worker its store, limits and reload file
SERVE_WORKER_ENV = "TRADEWAR_SERVE_WORKER"


def authored_dir() -> Path:
    """The directory of authored, cited YAML (measures, revisions, manifest)."""
    env = os.environ.get("TRADEWAR_DATA")
    return Path(env) if env else REPO_ROOT / "data"


def raw_dir() -> Path:
    """Raw sources: ``$TRADEWAR_RAW``, else ``../shared/data/raw`` beside the repository."""
    env = os.environ.get("TRADEWAR_RAW")
    if env:
        return Path(env).expanduser().resolve()
    return (REPO_ROOT.parent / "shared" / "data" / "raw").resolve()


def home_dir() -> Path:
    """The store's home: ``$TRADEWAR_HOME``, else the user's data directory."""
    env = os.environ.get("TRADEWAR_HOME")
    return Path(env).expanduser().resolve() if env else Path(user_data_dir("tradewar"))


def store_path() -> Path:
    """Path of the compiled DuckDB store."""
    return home_dir() / STORE_NAME


def documents_dir() -> Path:
    """Example news articles: ``$TRADEWAR_DOCUMENTS``, else ``../shared/documents`` beside
    the repository (the raw data's sibling)."""
    env = os.environ.get("TRADEWAR_DOCUMENTS")
    if env:
        return Path(env).expanduser().resolve()
    return (REPO_ROOT.parent / "shared" / "documents").resolve()
