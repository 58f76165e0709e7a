import datetime as dt
import hashlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from portline.allocation import canonical

CODES = ["BRO", "CXL", "SYS", "LONGCODE"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 10), st.integers(0, 3), st.integers(-1, 3), st.integers(730000, 740000)
        ),
        max_size=40,
    )
)
def test_columnar_body_equals_the_line_by_line_definition(rows):
    digests = [hashlib.sha256(str(i).encode()).digest() for i in range(len(rows))]
    body = canonical.requests_body(
        b"".join(digests),
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=np.int64),
        np.array([r[3] for r in rows], dtype=np.int64),
        CODES,
    )
    expected = "".join(
        canonical.request_line(
            d.hex(),
            size,
            CODES[first],
            CODES[second] if second >= 0 else None,
            dt.date.fromordinal(day),
        )
        + "\n"
        for d, (size, first, second, day) in zip(digests, rows, strict=True)
    )
    assert body == expected.encode()
    assert canonical.fingerprint(body) == hashlib.sha256(expected.encode()).hexdigest()


def test_pseudonyms_match_request_hash_and_differ_by_salt():
    ids = np.array([333, 1, 22])
    pseudonyms = canonical.request_pseudonyms("salt", ids)
    assert [p.tobytes().hex() for p in pseudonyms] == [
        canonical.request_hash("salt", ids, i) for i in (333, 1, 22)
    ]
    assert len({p.tobytes() for p in pseudonyms}) == 3
    assert canonical.request_pseudonyms("pepper", ids).tobytes() != pseudonyms.tobytes()


def test_seed_binds_input_and_beacon():
    a = canonical.seed_from("00" * 32, "AB" * 32)
    assert a == canonical.seed_from("00" * 32, "ab" * 32)
    assert a != canonical.seed_from("01" + "00" * 31, "ab" * 32)
