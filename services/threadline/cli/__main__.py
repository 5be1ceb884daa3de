"""``python -m threadline.cli``: the same as the ``threadline`` console script."""

from threadline.cli.main import main

main()
