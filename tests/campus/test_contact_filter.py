"""The campus contact filter against a table of evasions seen in prison messaging (each must be caught) and of
ordinary sentences with numbers (each must pass). Staff still read everything: this makes their job easier."""
from __future__ import annotations

import pytest

from portal.campus import contact_filter
from portal.campus.contact_filter import EMAIL, HANDLE, LINK, PHONE

EVASIONS = [
    # phone numbers: separators between digit groups
    ("Call me on 07700 900123", PHONE),
    ("ring 07700,900,123 after six", PHONE),
    ("my number is 07700.900.123", PHONE),
    ("0 7 7 0 0 9 0 0 1 2 3", PHONE),
    ("07700-900-123", PHONE),
    ("07700/900/123", PHONE),
    ("(0113) 496 0000", PHONE),
    ("0113\n496\n0000", PHONE),
    ("+44 7700 900123", PHONE),
    ("+44 (0) 7700 900 123", PHONE),
    ("07700_900_123", PHONE),
    # Unicode and full-width digits, look-alike letters, invisible characters
    ("０７７００ ９００１２３", PHONE),
    ("⓪⑦⑦⓪⓪ ⑨⓪⓪①②③", PHONE),
    ("٠٧٧٠٠٩٠٠١٢٣", PHONE),
    ("O77OO 9OO l23", PHONE),
    ("07700\u200b900\u200b123", PHONE),
    ("0⁷⁷⁰⁰ 900123", PHONE),
    # numbers as words
    ("oh seven seven double oh nine double oh one two three", PHONE),
    ("zero seven seven zero zero, nine zero zero, one two three", PHONE),
    # email addresses
    ("write to sam@example.com", EMAIL),
    ("sam at example dot com", EMAIL),
    ("sam (at) example (dot) co (dot) uk", EMAIL),
    ("sam [at] example [dot] org", EMAIL),
    ("sam＠example．com", EMAIL),
    ("sam@gmail", EMAIL),
    ("sam @ hotmail", EMAIL),
    ("ѕam@ехample.соm", EMAIL),
    ("sam{at}example{dot}net", EMAIL),
    ("s.a.m.1.9 AT outlook DOT com", EMAIL),
    ("sam\u200b@\u200bexample.com", EMAIL),
    # web addresses and link shorteners
    ("see https://example.org/jobs", LINK),
    ("hxxps://example.org", LINK),
    ("www.example.org", LINK),
    ("www dot example dot org", LINK),
    ("example dot co dot uk", LINK),
    ("example[.]com/jobs", LINK),
    ("ｅｘａｍｐｌｅ．ｃｏｍ", LINK),
    ("bit.ly/3xYz", LINK),
    ("bit ly/3xYz", LINK),
    ("tinyurl slash abc", LINK),
    ("goo.gl/abc", LINK),
    ("linktr.ee/sam", LINK),
    ("//example.org", LINK),
    # messaging handles
    ("find me @sam_the_man", HANDLE),
    ("snap: samsmith99", HANDLE),
    ("insta - sam.smith", HANDLE),
    ("add me on Instagram", HANDLE),
    ("message me on WhatsApp", HANDLE),
    ("my snapchat is samsmith", HANDLE),
    ("ig: sam_smith", HANDLE),
    ("telegram: @samsmith", HANDLE),
    ("hit me up on tele", HANDLE),
]

ORDINARY = [
    "I served 3 years and worked in the kitchen.",
    "I am released on 12 May.",
    "I worked at Tesco. Then I moved to a warehouse.",
    "From 2019 to 2021 I was a forklift driver.",
    "I can start at 9am on Monday 3 March 2027.",
    "Meet me at the gate at 10.30.",
    "I earned £1,250,000.00 in sales over 5 years.",
    "My prison number is A1234BC.",
    "I have level 2 food hygiene and a CSCS card.",
    "I did 240 hours of unpaid work in 2024.",
    "Please send the form. I will fill it in.",
    "I am good at cooking, e.g. for 600 people, i.e. every day.",
    "Room 12, wing 3, cell 4.",
    "I can work 37.5 hours a week from 1 June 2027.",
    "I have one or two questions about the job.",
    "Thank you. We would like to meet you.",
    "Snap decisions are not my thing.",
    "I use Facebook sometimes.",
    "Call the prison switchboard and ask for the education department.",
    "Scores: 10, 20, 30 and 40.",
]


@pytest.mark.parametrize("text, kind", EVASIONS, ids=[text for text, _ in EVASIONS])
def test_the_filter_catches_an_evasion(text, kind):
    found = contact_filter.findings(text)
    assert kind in {f.kind for f in found}, (contact_filter.normalise(text), found)


@pytest.mark.parametrize("text", ORDINARY)
def test_an_ordinary_sentence_with_numbers_passes(text):
    assert contact_filter.findings(text) == [], contact_filter.normalise(text)


def test_the_table_is_broad():
    assert len(EVASIONS) >= 40 and {kind for _, kind in EVASIONS} == {PHONE, EMAIL, LINK, HANDLE}


def test_redaction_keeps_the_sentences_without_contact_details():
    text = "Housing advice for people leaving prison. Call 0113 496 0000 or visit www.example.org.\nOpen Monday."
    assert contact_filter.redacted(text) == ("Housing advice for people leaving prison. [contact details removed]"
                                             "\nOpen Monday.")
