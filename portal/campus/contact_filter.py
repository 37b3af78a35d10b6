"""The campus contact filter: does this text carry a way of reaching someone outside the campus?

Everything a learner writes, and everything an organisation writes that a learner will read (replies, learning
content, opportunities, service descriptions), goes through `findings(text)`. The text is normalised first, so
the usual disguises fall away:

- Unicode compatibility forms (NFKC): full-width letters, digits and symbols, circled and superscript digits,
  ligatures; digits of any script become 0-9; invisible characters (zero-width spaces, soft hyphens) go;
- look-alike letters from other alphabets (Cyrillic and Greek "o", "a", "e"...) become Latin, and "O", "o",
  "I", "l" inside a run of digits become 0 and 1;
- spelled-out punctuation: "at", "(at)", "[at]" become "@" and "dot", "(dot)", "[.]" become "." when the result
  is an email address or a web address;
- numbers written as words ("oh seven seven double zero...") when four or more come in a row;
- separators between digit groups (spaces, line breaks, dots, commas, dashes, slashes, brackets) are ignored,
  so "0113 . 496, 0000" is read as 01134960000.

What it looks for after that: ten or more digits in one run (a UK phone number has ten or eleven), email
addresses, web addresses (a scheme, "www", or a name ending in a common top-level domain), link shorteners, and
messaging handles ("@name", "snap: name", "add me on Instagram"). Sums of money ("£1,250,000.00") are not phone
numbers. Ordinary sentences with numbers ("I served 3 years", "on 12 May", "from 2019 to 2021") pass.

It is a help, not the safeguard: staff at the learner's prison (or an administrator, for content and
opportunities) read everything before a learner sees it. The README's campus section lists what it misses.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PHONE, EMAIL, LINK, HANDLE = "phone", "email", "link", "handle"

WHAT = {PHONE: "phone number", EMAIL: "email address", LINK: "web address", HANDLE: "social media or messaging name"}

INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"))
LOOK_ALIKES = str.maketrans({
    # Cyrillic
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "к": "k",
    "м": "m", "т": "t", "в": "b", "н": "h", "ԁ": "d", "ӏ": "l", "ɡ": "g",
    # Greek
    "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    # punctuation that stands in for "@" and "."
    "⊙": "@", "﹫": "@", "＠": "@", "·": ".", "•": ".", "․": ".", "。": ".", "｡": ".", "︒": ".",
    # dashes and odd spaces
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "\u00a0": " ", "\u3000": " ",
})
NUMBER_WORDS = {"zero": "0", "nought": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
                "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
REPEATS = {"double": 2, "treble": 3, "triple": 3}
_NUMBER_WORD = r"(?:zero|nought|oh|one|two|three|four|five|six|seven|eight|nine|double|treble|triple)"
_NUMBER_RUN = re.compile(rf"\b{_NUMBER_WORD}(?:[\s,.-]+{_NUMBER_WORD}){{3,}}\b")
_DIGIT_LOOKALIKE = re.compile(r"(?<=\d)[ol](?=[\dol\s.,-]*\d)|(?<=\d[\s.,-])[ol](?=[\dol\s.,-]*\d)|\b[ol](?=\d{2})")

TLDS = ("com|org|net|uk|co|io|me|info|biz|gov|ac|ly|gl|gd|cc|to|tv|app|xyz|online|site|ru|eu|de|fr|us|ca|au|ie|"
        "nl|ch|es|it|in|ai|be|link|page|live|email|mail|chat|social")
_AT = r"(?:@|[\(\[\{<]\s*at\s*[\)\]\}>]|\bat\b|\barroba\b)"
_DOT = r"(?:\.|[\(\[\{<]\s*(?:dot|\.)\s*[\)\]\}>]|\bdot\b|\bpunto\b)"
_SPACED_DOT = rf"(?:\s*{_DOT}\s*)"
_EMAIL = re.compile(rf"[\w.+-]+\s*{_AT}\s*[\w-]+(?:{_SPACED_DOT}[\w-]+)*{_SPACED_DOT}(?:{TLDS})\b")
_EMAIL_PLAIN = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_EMAIL_PROVIDER = re.compile(rf"[\w.+-]+\s*{_AT}\s*(?:gmail|googlemail|hotmail|outlook|yahoo|icloud|live|aol|"
                             r"proton(?:mail)?|gmx|mail)\b")
_LINK = re.compile(
    rf"(?:\b(?:https?|ftp|hxxps?)\s*:|\bwww\s*{_DOT}|//\s*[\w-]+\.|"
    rf"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*(?:\.|\s*[\(\[\{{<]\s*(?:dot|\.)\s*[\)\]\}}>]\s*|\s+dot\s+)(?:{TLDS})\b(?!\.\d))")
_SHORTENER = re.compile(r"\b(?:bit\s*\.?\s*ly|tinyurl|goo\s*\.?\s*gl|ow\s*\.?\s*ly|is\s*\.\s*gd|buff\s*\.?\s*ly|"
                        r"rebrand\s*\.?\s*ly|cutt\s*\.?\s*ly|shorturl|tiny\s*\.?\s*cc|t\s*\.\s*co\s*/|linktr\s*\.?\s*ee|"
                        r"rb\s*\.\s*gy)\b")
_PLATFORMS = (r"(?:whats\s*app|snap\s*chat|snap|insta(?:gram)?|ig|telegram|tele|signal|facebook|fb|messenger|"
              r"tik\s*tok|discord|kik|wickr|skype|twitter|x\.com|threads|wire|viber|line\s+app|wechat|dm)")
_HANDLE = re.compile(
    rf"(?<![\w@.])@[a-z0-9_][a-z0-9_.]{{2,}}"
    rf"|\b{_PLATFORMS}\s*(?:[:=\-]|name|handle|id|is|user(?:name)?)\s*[:=\-]?\s*@?[a-z0-9_][a-z0-9_.]{{2,}}"
    rf"|\b(?:add|find|follow|message|msg|dm|text|contact|reach|hit)\s+(?:me|us)\s+(?:up\s+)?(?:on|at|via)\s+"
    rf"{_PLATFORMS}\b"
    rf"|\bmy\s+{_PLATFORMS}\s+(?:is|name|handle|id|user(?:name)?)\b")
_MONEY = re.compile(r"[£$€]\s*\d[\d,]*(?:\.\d{1,2})?")
_DIGIT_RUN = re.compile(r"\+?\d(?:[\s.,/()\-_]{0,3}\d)+")


@dataclass(frozen=True)
class Finding:
    kind: str
    excerpt: str  # the normalised words around the find, to show the writer where it is

    @property
    def what(self) -> str:
        return WHAT[self.kind]


def normalise(text: str) -> str:
    """The text as the filter reads it (see the module's description)."""
    text = unicodedata.normalize("NFKC", text or "").translate(INVISIBLE)
    text = "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() and _has_digit(ch) else ch
                   for ch in text)
    text = text.translate(LOOK_ALIKES).casefold()
    text = _NUMBER_RUN.sub(_words_to_digits, text)
    for _ in range(12):  # "077oo" needs one pass per look-alike letter in a row
        text, changed = _DIGIT_LOOKALIKE.subn(lambda m: "0" if m.group(0) == "o" else "1", text)
        if not changed:
            break
    return text


def _has_digit(ch: str) -> bool:
    try:
        unicodedata.digit(ch)
        return True
    except ValueError:
        return False


def _words_to_digits(match: re.Match) -> str:
    digits, repeat = [], 1
    for word in re.split(r"[\s,.-]+", match.group(0)):
        if word in REPEATS:
            repeat = REPEATS[word]
        elif word in NUMBER_WORDS:
            digits.append(NUMBER_WORDS[word] * repeat)
            repeat = 1
    return "".join(digits)


def _excerpt(text: str, start: int, end: int) -> str:
    left, right = max(0, start - 15), min(len(text), end + 15)
    return ("…" if left else "") + " ".join(text[left:right].split()) + ("…" if right < len(text) else "")


def findings(text: str) -> list[Finding]:
    """Every way of reaching someone outside the campus found in the text, in the order the kinds are listed."""
    text = normalise(text)
    found: list[Finding] = []
    for kind, patterns in ((EMAIL, (_EMAIL, _EMAIL_PLAIN, _EMAIL_PROVIDER)), (LINK, (_LINK, _SHORTENER)),
                           (HANDLE, (_HANDLE,))):
        for pattern in patterns:
            if match := pattern.search(text):
                found.append(Finding(kind, _excerpt(text, match.start(), match.end())))
                break
    money = [m.span() for m in _MONEY.finditer(text)]
    for match in _DIGIT_RUN.finditer(text):
        if any(start <= match.start() < end for start, end in money):
            continue
        if sum(ch.isdigit() for ch in match.group(0)) >= 10:
            found.append(Finding(PHONE, _excerpt(text, match.start(), match.end())))
            break
    return found


def first_problem(text: str) -> Finding | None:
    found = findings(text)
    return found[0] if found else None


REMOVED = "[contact details removed]"


def redacted(text: str) -> str:
    """The text with every sentence or line that carries contact details replaced by a note (for words a learner
    reads that were not written for the campus, such as a directory service's description)."""
    if not findings(text):
        return text or ""
    parts = []
    for line in (text or "").split("\n"):
        if not findings(line):
            parts.append(line)
            continue
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", line)
        kept = [s if not findings(s) else REMOVED for s in sentences]
        parts.append(" ".join(kept))
    result = "\n".join(parts)
    return result if not findings(result) else REMOVED


def refusal(text: str, where: str = "your message", show_place: bool = False) -> str | None:
    """The message for a writer whose text carries contact details ("Remove the phone number from your
    message"), with where it was found when asked; None when the filter finds nothing."""
    found = first_problem(text)
    if found is None:
        return None
    message = f"Remove the {found.what} from {where}"
    if found.kind == LINK:
        message += ". Messages cannot contain links" if where == "your message" else ". Learners cannot be sent links"
    return f"{message} (found in “{found.excerpt}”)" if show_place else message
