"""Payment-by-results arithmetic against worked examples, every number spelled out."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from portal.funding import pbr


def test_peterborough_frequency_measure_paid_for_a_fall_over_7_5_percent():
    # A comparison group of 10,000 people had 17,000 reconviction events: 1.7 a person.
    baseline = pbr.baseline_from_comparison(10_000, 17_000)
    assert baseline == Fraction(17, 10)
    # The cohort of 1,000 people had 1,560 events. Expected at the comparison rate: 1.7 x 1,000 = 1,700.
    # Avoided: 1,700 - 1,560 = 140 events. Fall: 140 / 1,700 = 8.235...% - at least 7.5%, so it pays.
    # Payment: 140 events x £2,000.00 an event = £280,000.00 = 28,000,000 pence.
    working = pbr.payment("frequency", cohort_size=1_000, actual=1_560, baseline=baseline, threshold_percent="7.5",
                          price_pence=200_000)
    assert working.expected == 1_700
    assert working.avoided == 140
    assert working.fall_percent == Fraction(140 * 100, 1_700)  # 8.2352941...%
    assert working.met
    assert working.payment_pence == 28_000_000
    assert working.steps[-1] == "Payment due: £280,000.00"
    assert "Fall against the baseline: 140 / 1700 = 8.24%" in working.steps


def test_peterborough_frequency_measure_pays_nothing_for_a_fall_under_7_5_percent():
    # The same comparison rate (1.7); the cohort had 1,600 events. Avoided: 1,700 - 1,600 = 100.
    # Fall: 100 / 1,700 = 5.88% - under 7.5%, so nothing is paid at all (not even for the 100 events).
    working = pbr.payment("frequency", cohort_size=1_000, actual=1_600, baseline=Fraction(17, 10),
                          threshold_percent=Decimal("7.5"), price_pence=200_000)
    assert working.avoided == 100
    assert not working.met
    assert working.payment_pence == 0
    assert working.steps[-1] == "Payment due: £0.00"


def test_a_fall_of_exactly_the_threshold_is_paid():
    # Baseline 2 reoffences a person, cohort 1,000: expected 2,000. Actual 1,850: avoided 150.
    # Fall: 150 / 2,000 = exactly 7.5%: "at least 7.5%" is met. 150 x £1,000.00 = £150,000.00.
    working = pbr.payment("frequency", cohort_size=1_000, actual=1_850, baseline=2, threshold_percent="7.5",
                          price_pence=100_000)
    assert working.fall_percent == Fraction(15, 2)
    assert working.met and working.payment_pence == 15_000_000


def test_binary_measure_against_a_contract_baseline():
    # Baseline: 45% of people reoffend within 12 months (0.45). Cohort: 800 people, of whom 320 reoffended.
    # Expected: 0.45 x 800 = 360. Avoided: 360 - 320 = 40 people. Fall: 40 / 360 = 11.11%, over a 5% threshold.
    # Payment: 40 people x £3,250.50 = £130,020.00.
    working = pbr.payment("binary", cohort_size=800, actual=320, baseline=Decimal("0.45"), threshold_percent=5,
                          price_pence=325_050)
    assert working.expected == 360 and working.avoided == 40
    assert working.payment_pence == 13_002_000


def test_fractions_of_a_person_are_paid_rounded_down_to_the_penny():
    # Baseline 0.4567, cohort 937: expected 427.9279. Actual 400: avoided 27.9279 people.
    # 27.9279 x £1,000.01 (100,001p) = 2,792,817.9279p, rounded down to 2,792,817p = £27,928.17.
    working = pbr.payment("binary", cohort_size=937, actual=400, baseline="0.4567", threshold_percent=0,
                          price_pence=100_001)
    assert working.expected == Fraction("427.9279")
    assert working.payment_pence == 2_792_817


def test_the_cap_limits_a_cohort_payment():
    # 140 avoided x £2,000.00 = £280,000.00, capped at £250,000.00.
    working = pbr.payment("frequency", cohort_size=1_000, actual=1_560, baseline="1.7", threshold_percent="7.5",
                          price_pence=200_000, cap_pence=25_000_000)
    assert working.uncapped_pence == 28_000_000 and working.payment_pence == 25_000_000
    assert "Capped at £250,000.00, the most this measure pays for one cohort" in working.steps


def test_a_worse_result_pays_nothing():
    # Expected 1,700, actual 1,800: avoided -100, a rise of 5.88%.
    working = pbr.payment("frequency", cohort_size=1_000, actual=1_800, baseline="1.7", threshold_percent=0,
                          price_pence=200_000)
    assert working.avoided == -100 and working.payment_pence == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"cohort_size": 0, "actual": 0, "baseline": "0.5"}, "at least one person"),
    ({"cohort_size": 10, "actual": 11, "baseline": "0.5"}, "more people reoffended"),
    ({"cohort_size": 10, "actual": 1, "baseline": "1.5"}, "between 0 and 1"),
    ({"cohort_size": 10, "actual": 1, "baseline": "0"}, "more than zero"),
])
def test_impossible_figures_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pbr.payment("binary", threshold_percent=0, price_pence=100, **kwargs)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        pbr.payment("binary", cohort_size=10, actual=1, baseline=0.45, threshold_percent=0, price_pence=100)


def test_pence_are_shown_as_pounds():
    assert pbr.pence(123_456_789) == "£1,234,567.89"
    assert pbr.pence(-5) == "-£0.05"
