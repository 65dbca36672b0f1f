"""When a practice item comes back: the pure rules, walked through days on a fake clock."""

from __future__ import annotations

from datetime import timedelta

from bot.practice import GAP_DAYS, ItemState, after_answer, next_item
from bot.practice.spacing import DUE_EARLY, due_count, is_due
from tests.fakes import FakeClock

ITEMS = ["m:a", "m:b", "c:x:one"]


def test_the_gaps_are_one_three_seven_and_fourteen_days() -> None:
    assert GAP_DAYS == (1, 3, 7, 14)


def test_first_sight_offers_never_seen_items_in_library_order() -> None:
    clock = FakeClock()
    first = next_item(ITEMS, {}, clock())
    assert (first.item_id, first.new) == ("m:a", True)
    states = {"m:a": after_answer(None, True, clock())}
    second = next_item(ITEMS, states, clock())
    assert (second.item_id, second.new) == ("m:b", True)


def test_a_first_right_answer_returns_in_three_days_a_wrong_one_tomorrow() -> None:
    clock = FakeClock()
    right = after_answer(None, True, clock())
    wrong = after_answer(None, False, clock())
    assert right.due_at - clock() == timedelta(days=3)
    assert wrong.due_at - clock() == timedelta(days=1)


def test_right_answers_climb_the_ladder_and_stay_at_fourteen_days() -> None:
    clock = FakeClock()
    state: ItemState | None = None
    gaps = []
    for _ in range(6):
        state = after_answer(state, True, clock())
        gaps.append((state.due_at - clock()).days)
        clock.now = state.due_at
    assert gaps == [3, 7, 14, 14, 14, 14]


def test_a_wrong_answer_or_not_sure_resets_to_one_day_from_any_gap() -> None:
    clock = FakeClock()
    state = ItemState(3, clock())  # at 14 days
    again = after_answer(state, False, clock())
    assert (again.step, again.due_at - clock()) == (0, timedelta(days=1))
    climbed = after_answer(again, True, clock())
    assert climbed.due_at - clock() == timedelta(days=3)


def test_nothing_ready_says_when_the_next_one_is() -> None:
    clock = FakeClock()
    states = {item: after_answer(None, True, clock()) for item in ITEMS}
    states["m:b"] = after_answer(None, False, clock())  # due tomorrow
    caught_up = next_item(ITEMS, states, clock())
    assert caught_up.item_id is None
    assert caught_up.next_due == clock() + timedelta(days=1) - DUE_EARLY
    assert due_count(ITEMS, states, clock()) == 0


def test_an_item_is_ready_a_few_hours_early_so_a_daily_habit_does_not_slip() -> None:
    clock = FakeClock()
    state = after_answer(None, False, clock())
    clock.advance(hours=17)
    assert not is_due(state, clock())
    clock.advance(hours=1)  # 18 hours: within DUE_EARLY of the day
    assert is_due(state, clock())


def test_skipped_days_leave_items_waiting_most_overdue_first() -> None:
    clock = FakeClock()
    start = clock()
    states = {
        "m:a": after_answer(None, True, start),  # due day 3
        "m:b": after_answer(None, False, start),  # due day 1
        "c:x:one": after_answer(ItemState(1, start), True, start),  # due day 7
    }
    clock.advance(days=5)  # the member skipped days 1 to 4
    assert next_item(ITEMS, states, clock()).item_id == "m:b"
    assert due_count(ITEMS, states, clock()) == 2
    states["m:b"] = after_answer(states["m:b"], True, clock())
    assert next_item(ITEMS, states, clock()).item_id == "m:a"


def test_a_member_back_after_weeks_finds_everything_due_and_moves_on_from_today() -> None:
    clock = FakeClock()
    states = {item: after_answer(None, True, clock()) for item in ITEMS}
    clock.advance(weeks=6)
    assert due_count(ITEMS, states, clock()) == 3
    order = []
    for _ in ITEMS:
        chosen = next_item(ITEMS, states, clock())
        assert chosen.item_id is not None and not chosen.new
        order.append(chosen.item_id)
        states[chosen.item_id] = after_answer(states[chosen.item_id], True, clock())
    assert sorted(order) == sorted(ITEMS)
    assert all(state.due_at == clock() + timedelta(days=7) for state in states.values())
    assert next_item(ITEMS, states, clock()).item_id is None


def test_new_items_added_to_content_come_before_due_ones_and_removed_ones_are_ignored() -> None:
    clock = FakeClock()
    states = {"m:a": after_answer(None, False, clock()), "m:gone": ItemState(0, clock())}
    clock.advance(days=2)
    assert next_item(["m:a", "m:new"], states, clock()).item_id == "m:new"
    states["m:new"] = after_answer(None, True, clock())
    assert next_item(["m:a", "m:new"], states, clock()).item_id == "m:a"
