"""Payment-by-results arithmetic: plain functions on exact numbers (integers and fractions, never floats).

Both measures compare what the cohort did with what it would have been expected to do at the baseline (a
baseline rate in the contract, or a comparison group's rate for the same period, as in the Peterborough bond):

- binary measure: the share of the cohort who reoffend. Expected reoffenders = baseline share x cohort size.
- frequency measure: reoffences per person. Expected reoffences = baseline frequency x cohort size.

outcomes avoided = expected - actual; the fall = outcomes avoided / expected, as a percentage of the baseline.
Nothing is paid unless the fall is at least the threshold (Peterborough: 7.5%). Then the payment is
outcomes avoided x the price per outcome, rounded down to a whole penny (never over-pay), and no more than the
cap when there is one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

BINARY, FREQUENCY = "binary", "frequency"


@dataclass(frozen=True)
class Working:
    """The payment due and every step of how it was worked out."""

    measure: str
    cohort_size: int
    actual: int
    baseline: Fraction
    expected: Fraction
    avoided: Fraction
    fall_percent: Fraction
    threshold_percent: Fraction
    met: bool
    price_pence: int
    uncapped_pence: int
    payment_pence: int
    steps: list[str] = field(default_factory=list)
    contract_capped: bool = False

    def as_record(self) -> dict:
        """What is stored with the cohort result (exact values as strings)."""
        return {"measure": self.measure, "cohort_size": self.cohort_size, "actual": self.actual,
                "baseline": str(self.baseline), "expected": str(self.expected), "avoided": str(self.avoided),
                "fall_percent": str(self.fall_percent), "threshold_percent": str(self.threshold_percent),
                "met": self.met, "price_pence": self.price_pence, "uncapped_pence": self.uncapped_pence,
                "payment_pence": self.payment_pence, "steps": self.steps, "contract_capped": self.contract_capped}


def exact(value: int | str | Decimal | Fraction) -> Fraction:
    if isinstance(value, float):
        raise TypeError("use exact numbers (Decimal, Fraction, int or a string), not floats")
    return Fraction(str(value)) if isinstance(value, Decimal | str) else Fraction(value)


def baseline_from_comparison(comparison_size: int, comparison_outcomes: int) -> Fraction:
    """A comparison group's rate: people who reoffended (binary) or reoffences (frequency) per person."""
    if comparison_size <= 0:
        raise ValueError("the comparison group must have at least one person")
    if comparison_outcomes < 0:
        raise ValueError("the comparison group's outcomes cannot be negative")
    return Fraction(comparison_outcomes, comparison_size)


def pence(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    pounds, p = divmod(abs(amount), 100)
    return f"{sign}£{pounds:,}.{p:02d}"


def _decimal(value: Fraction, places: int = 4) -> str:
    """A fraction shown to `places` decimal places (display only: the arithmetic stays exact)."""
    scaled = round(value * 10 ** places)
    text = f"{abs(scaled) / 10 ** places:.{places}f}" if places else str(abs(scaled))
    return ("-" if scaled < 0 else "") + text.rstrip("0").rstrip(".")


def payment(measure: str, *, cohort_size: int, actual: int, baseline: int | str | Decimal | Fraction,
            threshold_percent: int | str | Decimal | Fraction, price_pence: int,
            cap_pence: int | None = None, contract_cap_pence: int | None = None,
            already_due_pence: int = 0) -> Working:
    """The outcome payment for one cohort. `cap_pence` is the measure's cap for one cohort; `contract_cap_pence`
    the most the contract's outcome payments can reach, of which `already_due_pence` is due for other cohorts."""
    if measure not in (BINARY, FREQUENCY):
        raise ValueError(f"unknown measure {measure!r}")
    if cohort_size <= 0:
        raise ValueError("the cohort must have at least one person")
    if actual < 0:
        raise ValueError("outcomes cannot be negative")
    if measure == BINARY and actual > cohort_size:
        raise ValueError("more people reoffended than are in the cohort")
    if price_pence < 0 or (cap_pence is not None and cap_pence < 0):
        raise ValueError("prices and caps cannot be negative")
    rate = exact(baseline)
    threshold = exact(threshold_percent)
    if rate <= 0:
        raise ValueError("the baseline must be more than zero")
    if measure == BINARY and rate > 1:
        raise ValueError("a binary baseline is a share of the cohort, between 0 and 1")

    noun = "people who reoffend" if measure == BINARY else "reoffences"
    expected = rate * cohort_size
    avoided = expected - actual
    fall = avoided / expected * 100
    met = fall >= threshold
    uncapped = math.floor(avoided * price_pence) if met and avoided > 0 else 0
    paid = min(uncapped, cap_pence) if cap_pence is not None else uncapped
    left = max(0, contract_cap_pence - already_due_pence) if contract_cap_pence else None
    contract_capped = left is not None and paid > left
    if contract_capped:
        paid = left
    steps = [
        f"Baseline: {_decimal(rate, 6)} {'of the cohort reoffend' if measure == BINARY else 'reoffences a person'}",
        f"Expected {noun}: {_decimal(rate, 6)} x {cohort_size:,} people = {_decimal(expected)}",
        f"Actual {noun}: {actual:,}",
        f"Avoided: {_decimal(expected)} - {actual:,} = {_decimal(avoided)}",
        f"Fall against the baseline: {_decimal(avoided)} / {_decimal(expected)} = {_decimal(fall, 2)}%",
        f"Threshold: a fall of at least {_decimal(threshold, 2)}% - "
        + ("met" if met else "not met, so nothing is paid"),
    ]
    if met and avoided > 0:
        steps.append(f"Payment: {_decimal(avoided)} x {pence(price_pence)} = {pence(uncapped)} "
                     "(rounded down to the penny)")
        if cap_pence is not None and uncapped > cap_pence:
            steps.append(f"Capped at {pence(cap_pence)}, the most this measure pays for one cohort")
        if contract_capped:
            steps.append(f"Capped at {pence(left)}: the contract's outcome payments are at most "
                         f"{pence(contract_cap_pence)} and {pence(already_due_pence)} is already due for other "
                         "cohorts")
    steps.append(f"Payment due: {pence(paid)}")
    return Working(measure=measure, cohort_size=cohort_size, actual=actual, baseline=rate, expected=expected,
                   avoided=avoided, fall_percent=fall, threshold_percent=threshold, met=met,
                   price_pence=price_pence, uncapped_pence=uncapped, payment_pence=paid, steps=steps,
                   contract_capped=contract_capped)
