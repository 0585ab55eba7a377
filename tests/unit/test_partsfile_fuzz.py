"""The parts file and the part requests of the control socket take any text: a parse either
gives parts or a PartsFileError naming the file (never another exception), and a converted
value is of the attribute's type or refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protoboard import partsfile
from protoboard.partsfile import PartsFileError
from protoboard.runtime import messages
from protoboard.testing import simulated_board

pytestmark = pytest.mark.hostile

KEYS = st.sampled_from(["type", "pin", "scl", "position", "name", "x", "pin_a", "[", "="])
VALUES = st.one_of(
    st.sampled_from(['"Potentiometer"', '"Button"', '"A1"', '"D5"', '"BME280"', '"x.py:Y"']),
    st.integers().map(str),
    st.floats(allow_nan=True).map(repr),
    st.text(max_size=8).map(repr),
)
TABLE = st.tuples(
    st.text(alphabet="abcxyz_[] .\"'", min_size=1, max_size=6),
    st.lists(st.tuples(KEYS, VALUES), max_size=5),
)


def render(tables: list[tuple[str, list[tuple[str, str]]]]) -> str:
    return "".join(
        f"[{name}]\n" + "".join(f"{key} = {value}\n" for key, value in rows)
        for name, rows in tables
    )


@pytest.fixture(scope="module")
def board():
    with simulated_board() as sim:
        yield sim.board


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.lists(TABLE, max_size=4).map(render), st.text(max_size=200)))
def test_any_parts_file_gives_parts_or_a_named_error(board, text):
    try:
        specs = partsfile.parse(text, board, source="parts.toml", folder=Path("/nonexistent"))
    except PartsFileError as exc:
        assert exc.message.startswith("parts.toml")
    else:
        assert all(spec.type and spec.name for spec in specs)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([True, 1, 1.5, "text"]),
    st.one_of(st.text(max_size=10), st.booleans(), st.integers(), st.floats()),
)
def test_a_converted_value_has_the_attributes_type_or_is_refused(current, value):
    try:
        new = partsfile.convert(value, current, what="part.attribute")
    except PartsFileError as exc:
        assert exc.message.startswith("part.attribute is")
    else:
        assert type(new) is type(current)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["op", "name", "type", "connections", "settings", "part"]),
        st.one_of(
            st.sampled_from(["add", "remove", "parts"]),
            st.text(max_size=5),
            st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
            st.integers(),
            st.none(),
        ),
    )
)
def test_part_requests_parse_or_fail_plainly(request):
    try:
        parsed = messages.parse_request(request)
    except (KeyError, TypeError, ValueError):
        return  # the control server answers "bad request: ..."
    assert isinstance(parsed, messages.ControlRequest)
