"""``python -m scheduler.cli``: the ``redline`` command, as child processes start it."""

from scheduler.cli.app import main

main()
