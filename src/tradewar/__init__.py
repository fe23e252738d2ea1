"""tradewar: the 2018-2020 US-China trade war as dated, sourced, computable data."""

__version__ = "0.1.0"
