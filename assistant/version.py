"""The installed package's version, for `--version` and `doctor` alike."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version


def version() -> str:
    try:
        return installed_version("panel-assistant")
    except PackageNotFoundError:
        return "unknown (run from a source tree that is not installed)"
