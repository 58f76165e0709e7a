import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from portline.inspection import engine
from portline.inspection.engine import DueState

D = dt.date


def test_parole_term_of_two_years_ends_the_day_before_the_anniversary():
    assert engine.parole_term_end(D(2025, 3, 10), 24) == D(2027, 3, 9)
    assert engine.parole_term_end(D(2024, 2, 29), 12) == D(
        2025, 2, 27
    )  # no 29 Feb in 2025: the 28th is the anniversary


def test_reporting_schedule_every_thirty_days_within_the_term():
    dates = engine.reporting_schedule(D(2025, 1, 1), D(2025, 4, 30), 30)
    assert dates == [D(2025, 1, 31), D(2025, 3, 2), D(2025, 4, 1)]


def test_schedule_marks_done_overdue_open_and_upcoming():
    dues = [D(2025, 1, 31), D(2025, 3, 2), D(2025, 4, 1), D(2025, 5, 1)]
    items = engine.schedule_status(
        dues, [D(2025, 1, 29)], D(2025, 3, 20), interval_days=30, grace_days=3
    )
    assert [i.state for i in items] == [
        DueState.DONE,
        DueState.OVERDUE,
        DueState.OPEN,
        DueState.UPCOMING,
    ]
    assert items[0].satisfied_on == D(2025, 1, 29)


def test_one_check_in_counts_for_one_due_date_only():
    dues = [D(2025, 1, 31), D(2025, 2, 2)]
    items = engine.schedule_status(
        dues, [D(2025, 2, 1)], D(2025, 3, 1), interval_days=2, grace_days=3
    )
    assert [i.state for i in items] == [DueState.DONE, DueState.OVERDUE]


def test_five_business_days_skip_the_weekend():
    assert engine.address_report_deadline(D(2025, 6, 5), 5) == D(
        2025, 6, 12
    )  # Thursday -> next Thursday
    assert engine.add_business_days(D(2025, 6, 7), 1) == D(2025, 6, 9)  # Saturday -> Monday


def test_work_authorization_date_follows_the_rule():
    assert engine.work_authorization_date(D(2025, 1, 1), 150) == D(2025, 5, 31)


@given(
    st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 1, 1)),
    st.integers(min_value=1, max_value=40),
)
def test_business_day_deadline_is_a_weekday_after_the_move(day, n):
    deadline = engine.add_business_days(day, n)
    assert deadline.weekday() < 5
    assert n <= (deadline - day).days <= n + 2 * (n // 5 + 1) + 2


@given(st.lists(st.dates(min_value=D(2025, 1, 1), max_value=D(2025, 12, 31)), max_size=20))
def test_each_check_in_satisfies_at_most_one_due_date(check_ins):
    dues = engine.reporting_schedule(D(2025, 1, 1), D(2025, 12, 31), 14)
    items = engine.schedule_status(dues, check_ins, D(2026, 1, 1), interval_days=14, grace_days=2)
    used = [i.satisfied_on for i in items if i.satisfied_on]
    assert len(used) <= len(check_ins)
    for item in items:
        if item.satisfied_on:
            assert item.window_opens <= item.satisfied_on <= item.window_closes
