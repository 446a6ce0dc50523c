"""`python -m grucast` runs the command line."""

from grucast.cli.main import main

raise SystemExit(main())
