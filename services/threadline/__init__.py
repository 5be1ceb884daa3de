"""threadline: share safeguarding concerns across agencies without pooling personal data.

The public surface is deliberately small; everything else is reached through its sub-package.
"""

from __future__ import annotations

from threadline.errors import ThreadlineError

__all__ = ["ThreadlineError", "__version__"]

__version__ = "0.1.0"
