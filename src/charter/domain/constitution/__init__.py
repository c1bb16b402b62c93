"""The constitution language: typed clauses, their grants of power, and validation."""

from charter.domain.constitution.grants import Grant, grants_of
from charter.domain.constitution.model import STANDARD_POWERS, Constitution
from charter.domain.constitution.parse import constitution_from_document, parse_constitution

__all__ = [
    "STANDARD_POWERS",
    "Constitution",
    "Grant",
    "constitution_from_document",
    "grants_of",
    "parse_constitution",
]
