"""The ``tradewar`` command line: thin commands over ``tradewar.api``.

This module assembles the app: the command modules (``cli_duty``, ``cli_data``,
``cli_series``, ...) each declare their commands on a Typer of their own and never import
this module; here their commands are gathered, in the order of ``tradewar --help``.
Every user error prints one line to stderr and exits with code 2.
"""

from __future__ import annotations

import os
import sys

import typer

from ..errors import TradewarError
from . import (
    cli_check,
    cli_data,
    cli_duty,
    cli_news,
    cli_policy,
    cli_refunds,
    cli_series,
    cli_serve,
    cli_timeline,
)

COMMANDS = (cli_duty, cli_check, cli_series, cli_serve, cli_policy, cli_news, cli_timeline,
            cli_refunds)  # fmt: skip

app = typer.Typer(
    help="tradewar: the 2018-2020 US-China trade war as dated, sourced, computable data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for module in COMMANDS:
    app.registered_commands += module.commands.registered_commands
app.add_typer(cli_data.data_app, name="data")
app.add_typer(cli_policy.scenario_app, name="scenario")


def main() -> None:
    """Entry point: run the app, turning user errors into one line and exit code 2."""
    try:
        app(standalone_mode=False)
    except TradewarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # click usage errors and anything unexpected
        import click

        if isinstance(exc, click.ClickException):  # usage errors: one line, no usage box
            message = " ".join(exc.format_message().split())
            print(f"error: {message} (see --help)", file=sys.stderr)
            sys.exit(2)
        if os.environ.get("TRADEWAR_DEBUG"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc} (set TRADEWAR_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        sys.exit(1)
