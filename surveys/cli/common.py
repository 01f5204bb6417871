"""What every command shares: a failure said in one red line, and a non-zero exit."""
import sys

import click


def fail(message: str) -> None:
    click.secho(message, err=True, fg="red")
    sys.exit(1)
