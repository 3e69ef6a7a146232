"""The package version, written once.

``pyproject.toml`` reads it for the wheel's metadata (``[tool.hatch.version]``) and
``ewp_client.__version__`` re-exports it, so ``ewp --version``, the metadata and the
package agree.
"""

__version__ = "0.1.0"
