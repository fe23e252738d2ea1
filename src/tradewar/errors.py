"""User-facing errors: each becomes one line on stderr and exit code 2."""


class TradewarError(Exception):
    """An error caused by input or environment that the user can fix."""


class InputError(TradewarError):
    """Malformed or unknown input: a code, a country, a date, a file."""


class CoverageError(TradewarError):
    """A request outside the dates or products the data covers."""


class StoreError(TradewarError):
    """The store is missing, corrupt, or was built by another version."""


class SourceError(TradewarError):
    """A raw source file is missing, unreadable, or fails validation."""
