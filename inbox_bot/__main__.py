"""`python -m inbox_bot` is the `inbox-bot` command."""

from inbox_bot.cli.main import main

main()
