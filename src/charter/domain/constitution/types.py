"""Field types of the constitution language, each with an error message a person can act on.

Pydantic's own messages ("Input should be a valid integer") are replaced by
messages in the language of the document (`expected a positive integer, got
"seven"`), raised as PydanticCustomError so they arrive with their path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, PlainValidator
from pydantic_core import PydanticCustomError

from charter.domain.duration import Duration, parse_duration

__all__ = [
    "DurationField",
    "FrozenMap",
    "Identifier",
    "NameSet",
    "PositiveInt",
    "Quorum",
    "Share",
    "Threshold",
    "ThresholdField",
    "describe_value",
    "parse_share",
]

K = TypeVar("K")
V = TypeVar("V")


def describe_value(value: Any) -> str:
    """Show an offending value as the document wrote it: strings quoted, others plain."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return str(value)


def _fail(kind: str, expected: str, value: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, f"expected {expected}, got {describe_value(value)}")


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail("positive_int", "a positive integer", value)
    return value


PositiveInt = Annotated[int, BeforeValidator(_positive_int)]

_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _identifier(value: Any) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise _fail("identifier", "an identifier in lower-case letters, digits, '-' or '_'", value)
    return value


Identifier = Annotated[str, BeforeValidator(_identifier)]
"""A name by which other clauses refer to an office, body, procedure, matter or power."""


def _name_set(value: Any) -> Literal["all"] | tuple[str, ...]:
    if value == "all":
        return "all"
    if isinstance(value, list | tuple):
        return tuple(_identifier(item) for item in value)
    raise _fail("names", "a list of names, or all", value)


NameSet = Annotated[Literal["all"] | tuple[str, ...], PlainValidator(_name_set)]
"""Either `all` or a list of names."""


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    try:
        return parse_duration(value)
    except (ValueError, TypeError):
        raise _fail("duration", "an ISO 8601 duration such as P1Y or P30D", value) from None


DurationField = Annotated[Duration, BeforeValidator(_duration), PlainSerializer(str)]

# --- shares, thresholds and quorums --------------------------------------------------------

_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def parse_share(value: Any) -> Fraction | None:
    """Read '2/3', '55%' or 0.66 as an exact fraction; None if it is none of those."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Fraction(str(value))
    if isinstance(value, str):
        if match := _FRACTION.match(value):
            numerator, denominator = int(match.group(1)), int(match.group(2))
            return Fraction(numerator, denominator) if denominator else None
        if match := _PERCENT.match(value):
            return Fraction(match.group(1)) / 100
    return None


def _share(value: Any) -> Fraction:
    share = parse_share(value)
    if share is None:
        raise _fail("share", "a fraction such as 1/2, 2/3 or 55%", value)
    if not 0 < share <= 1:
        raise _fail("share_range", "a share greater than 0 and at most 1", value)
    return share


Share = Annotated[Fraction, BeforeValidator(_share), PlainSerializer(str)]


@dataclass(frozen=True, slots=True)
class Threshold:
    """How many votes carry a decision.

    simple     more yes than no (abstentions counted: more yes than no and abstain)
    absolute   more yes than half of all seats of the body
    qualified  yes at least `share` of the votes counted (2/3, 3/4, 55% ...)
    unanimity  nobody votes no (nor abstains, when abstentions are counted)
    """

    kind: Literal["simple", "absolute", "qualified", "unanimity"]
    share: Fraction = Fraction(1, 2)

    def __str__(self) -> str:
        if self.kind == "qualified":
            return f"{self.share.numerator}/{self.share.denominator}"
        return self.kind


def _threshold(value: Any) -> Threshold:
    if isinstance(value, Threshold):
        return value
    if value in ("simple", "absolute", "unanimity"):
        return Threshold(kind=value)
    share = parse_share(value)
    if share is None:
        raise _fail(
            "threshold", "simple, absolute, unanimity or a fraction such as 2/3 or 55%", value
        )
    if not 0 < share <= 1:
        raise _fail("threshold_range", "a threshold greater than 0 and at most 1", value)
    return Threshold(kind="qualified", share=share)


ThresholdField = Annotated[Threshold, BeforeValidator(_threshold), PlainSerializer(str)]


@dataclass(frozen=True, slots=True)
class Quorum:
    """How many seats must take part (vote, abstentions included) for a vote to count."""

    share: Fraction | None = None
    count: int | None = None

    def required(self, seats: int) -> int:
        """Ballots needed in a body of `seats` seats."""
        if self.count is not None:
            return self.count
        share = self.share if self.share is not None else Fraction(0)
        needed = share * seats
        return int(needed) if needed.denominator == 1 else int(needed) + 1

    def __str__(self) -> str:
        if self.count is not None:
            return str(self.count)
        share = self.share or Fraction(0)
        return f"{share.numerator}/{share.denominator}"


def _quorum(value: Any) -> Quorum:
    if isinstance(value, Quorum):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return Quorum(count=value)
    share = parse_share(value) if isinstance(value, str) else None
    if share is None:
        raise _fail("quorum", "a share such as 1/2 or 2/3, or a number of seats", value)
    if not 0 < share <= 1:
        raise _fail("quorum_range", "a quorum greater than 0 and at most 1", value)
    return Quorum(share=share)


QuorumField = Annotated[Quorum, BeforeValidator(_quorum), PlainSerializer(str)]


def _freeze(mapping: Mapping[K, V]) -> Mapping[K, V]:
    return MappingProxyType(dict(mapping))


FrozenMap = Annotated[Mapping[K, V], AfterValidator(_freeze)]
"""A mapping that cannot be changed after validation."""
