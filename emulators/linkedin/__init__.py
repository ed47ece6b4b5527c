"""LinkedIn Marketing API emulator (package); see :mod:`emulators.linkedin.emulator`."""

from emulators.linkedin.emulator import (
    DEFAULT_LINKEDIN_VERSIONS,
    DEFAULT_MAX_ELEMENTS,
    MAX_FIELDS,
    LinkedInEmulator,
    RestliSyntaxError,
    parse_restli,
)

__all__ = [
    "DEFAULT_LINKEDIN_VERSIONS",
    "DEFAULT_MAX_ELEMENTS",
    "MAX_FIELDS",
    "LinkedInEmulator",
    "RestliSyntaxError",
    "parse_restli",
]
