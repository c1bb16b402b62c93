"""Fast paths in reading an act: its fields are normalised the same way whether or not they
needed it (Act.__post_init__ skips the rewrite for an aware datetime and a plain tuple), and
finishing its arguments refuses exactly what it refused before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType

import pytest

from charter import Act
from charter.domain.acts.args import Args
from charter.errors import ActError


class _Moment(datetime):
    """A datetime subclass (as a test clock might hand out)."""


class _Names(tuple[str, ...]):
    """A tuple subclass of co-signers."""


def test_an_aware_datetime_is_kept_as_given():
    moment = datetime(2026, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=2)))
    act = Act("ana", "inspect", moment)
    assert act.time is moment


def test_naive_datetimes_and_dates_become_utc():
    assert Act("ana", "inspect", datetime(2026, 1, 2, 3)).time == datetime(
        2026, 1, 2, 3, tzinfo=UTC
    )
    assert Act("ana", "inspect", datetime(2026, 1, 2, 3)).time.tzinfo is UTC
    assert Act("ana", "inspect", date(2026, 1, 2)).time == datetime(2026, 1, 2, tzinfo=UTC)


def test_a_datetime_subclass_is_read_as_before():
    aware = _Moment(2026, 1, 2, tzinfo=UTC)
    assert Act("ana", "inspect", aware).time is aware
    naive = Act("ana", "inspect", _Moment(2026, 1, 2)).time
    assert naive == datetime(2026, 1, 2, tzinfo=UTC)
    assert naive.tzinfo is UTC


def test_cosigners_become_a_plain_tuple():
    at = datetime(2026, 1, 2, tzinfo=UTC)
    given = ("ben", "cai")
    assert Act("ana", "inspect", at, cosigned_by=given).cosigned_by is given
    listed = Act("ana", "inspect", at, cosigned_by=["ben"])  # type: ignore[arg-type]
    assert listed.cosigned_by == ("ben",)
    assert type(listed.cosigned_by) is tuple
    sub = Act("ana", "inspect", at, cosigned_by=_Names(("ben",))).cosigned_by
    assert sub == ("ben",)
    assert type(sub) is tuple


def test_arguments_are_frozen_once():
    at = datetime(2026, 1, 2, tzinfo=UTC)
    act = Act("ana", "inspect", at, args={"office": "chair"})
    assert isinstance(act.args, MappingProxyType)
    assert Act("ana", "inspect", at, args=act.args).args is act.args


def test_finishing_arguments_refuses_the_first_unread_one_and_nothing_else():
    args = Args(MappingProxyType({"office": "chair", "report": "r"}))
    args.text("office")
    args.text("report")
    args.finish()
    args = Args(MappingProxyType({"office": "chair", "zz": 1, "aa": 2, "box": 3}))
    args.text("office")
    with pytest.raises(ActError, match="unknown argument 'aa'") as error:
        args.finish(allowed=("box",))
    assert error.value.path == "args.aa"
    args = Args(MappingProxyType({"office": "chair", "box": 3}))
    args.text("office")
    args.finish(allowed=("box",))
    Args(MappingProxyType({})).finish()
