"""Buyer personal data in free text: found, and replaced by tags (:func:`redact_pii`) or taken out
(:func:`strip_contacts`).

``redact_pii`` removes personal data buyers put in free text (e-mail
addresses, phone numbers, street addresses, signed names) and leaves the
identifiers a root-cause report needs (order ids, ASINs, SKUs, lot codes,
dates) intact.  It is deliberately conservative about names: only *signed*
names ("Thanks, John Smith", "- Mary", "John Smith here") are recognised,
because a free-text name detector would also eat product words.

Everything that leaves the workbench goes through :mod:`analysis.export.safety`,
which uses these; the distinctive terms (:mod:`analysis.keywords`) are counted
from texts without contact details, so no term is made of them.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

REDACTION_TAGS = {"email": "[email]", "phone": "[phone]", "address": "[address]", "name": "[name]", "card": "[card]"}

# ASCII-only word boundaries: CJK characters are \w in Python's re, and a
# phone number written straight after 电话 must still be found.
_NB = r"(?<![0-9A-Za-z])"  # not preceded by an ASCII letter/digit
_NA = r"(?![0-9A-Za-z])"

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
)
# written out so that forms do not take it: "jdoe at gmail dot com", "jdoe (at) gmail (dot) com"
_SPELLED_EMAIL = re.compile(
    r"(?i)(?<![\w.+-])[a-z0-9][a-z0-9._%+-]*\s*(?:\(at\)|\[at\]|\bat\b)\s*[a-z0-9-]+(?:\s*(?:\(dot\)|\[dot\]|\bdot\b|\.)\s*[a-z0-9-]+)*"
    r"\s*(?:\(dot\)|\[dot\]|\bdot\b)\s*(?:com|net|org|edu|gov|co|in|cn|jp|de|fr|es|it|uk|ca|au|info)\b"
)

# ------------------------------------------------------------------ phones
_SEP = r"[ .\-\u00a0]"
_PHONES = [
    # international: +44 20 7946 0958, +1 (555) 123-4567, +86 138 1234 5678, +8613812345678
    re.compile(
        r"(?<![\w+])\+\d{1,3}(?:" + _SEP + r"?\(?\d{1,5}\)?){1,5}" + _NA
    ),
    # Chinese mobile: 13812345678, 138-1234-5678, 138 1234 5678 (optionally 86 / 0086 first)
    re.compile(_NB + r"(?<![\-/.])(?:(?:00)?86" + _SEP + r"?)?1[3-9]\d(?:" + _SEP + r"?\d{4}){2}" + _NA + r"(?![\-/.]\d)"),
    # US / NANP: (555) 123-4567, 555-123-4567, 555.123.4567, 1-555-123-4567, 5551234567
    re.compile(
        _NB + r"(?<![\-/.])(?:1" + _SEP + r"?)?(?:\(\d{3}\)\s?|\d{3}" + _SEP + r"?)\d{3}" + _SEP + r"?\d{4}"
        + _NA + r"(?![\-/.]\d)(?:\s*(?:x|ext\.?)\s*\d{1,5})?"
    ),
    # national numbers of the other marketplaces, written from their trunk 0: 090-1234-5678 (JP),
    # 0171 1234567 and 030 12345678 (DE), 07700 900123 (UK), 06 12 34 56 78 (FR), 010-12345678 (CN)
    re.compile(_NB + r"(?<![\-/.,])0\d{1,4}(?:" + _SEP + r"?\d{2,5}){1,4}" + _NA + r"(?![\-/.,]\d)"),
]


# ------------------------------------------------------------------ cards
# a payment card number as buyers type it: 13 to 19 digits, whole or in groups of four (Amex 4-6-5), that
# pass the Luhn check (an order id, 3-7-7, is none of these shapes)
_CARD = re.compile(_NB + r"(?<![\-/.])(?:\d{4}(?:[ \-]\d{4}){2}[ \-]\d{1,7}|\d{4}[ \-]\d{6}[ \-]\d{5}|\d{13,19})" + _NA + r"(?![\-/.]\d)")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _card_sub(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return REDACTION_TAGS["card"] if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


_DATE_LIKE = re.compile(r"\d{1,2}[ .\-/]\d{1,2}[ .\-/](?:19|20)\d{2}|(?:19|20)\d{2}[ .\-/]\d{1,2}[ .\-/]\d{1,2}")


def _phone_sub(match: re.Match[str]) -> str:
    if _DATE_LIKE.fullmatch(match.group(0)):  # 05 06 2026 is a day
        return match.group(0)
    digits = sum(ch.isdigit() for ch in match.group(0))
    # An international number has 8..15 digits (E.164); shorter runs are
    # quantities or codes, not phones.
    if 8 <= digits <= 16:
        return REDACTION_TAGS["phone"]
    return match.group(0)


# --------------------------------------------------------------- addresses
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|"
    "NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR"
)
_SUFFIX_FULL = r"Street|Avenue|Road|Boulevard|Lane|Drive|Court|Place|Terrace|Parkway|Highway|Circle|Way"
_SUFFIX_ABBR = r"St|Ave|Av|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Pkwy|Hwy|Cir"
_UNIT_WORDS = r"Apt|Apartment|Unit|Suite|Ste|Room|Rm|Fl|Floor"
_UNIT = r"(?:(?i:" + _UNIT_WORDS + r")|#)\.?\s*#?\s*[0-9]+[A-Za-z]?" + _NA
# alone (without a street before it) only the unambiguous words: "Unit 2" is often a product unit
_UNIT_ALONE = r"(?<![A-Za-z])(?:Apt|Apartment|Suite|Ste)\.?\s*#?\s*[0-9]+[A-Za-z]?" + _NA
_CITY_STATE_ZIP = r"(?:[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+){0,2},?\s+)?(?:" + _US_STATES + r")\.?,?\s+\d{5}(?:-\d{4})?" + _NA
# number + (Capitalised or ordinal words) + suffix, then optional unit, city, "ST 12345"
_STREET_CAPS = (
    _NB + r"\d{1,6}[A-Za-z]?\s+(?:(?:[NSEW]\.?|North|South|East|West)\s+)?"
    r"(?:(?:[A-Z][A-Za-z'\-]*|\d{1,3}(?:st|nd|rd|th))\s+){1,4}"
    r"(?:(?i:" + _SUFFIX_FULL + r")|(?i:" + _SUFFIX_ABBR + r")\.?)" + _NA
)
# lower-case street names only with an unambiguous suffix: "123 main st", "12 oak street"
_STREET_LOWER = (
    _NB + r"\d{1,6}\s+(?:[a-z][a-z'\-]*\s+){1,3}"
    r"(?:street|avenue|boulevard|(?:st|ave|blvd|rd|ln|dr)\.?(?=\s*(?:,|$|\n|apt|unit|suite|#)))" + _NA
)
_ADDRESS_TAIL = (
    r"(?:,?\s*" + _UNIT + r")?"
    r"(?:,\s*[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+){0,2}(?=,|\s+(?:" + _US_STATES + r")\b))?"
    r"(?:,?\s+(?:" + _US_STATES + r")\.?,?\s+\d{5}(?:-\d{4})?" + _NA + r")?"
)
_ADDRESSES = [
    re.compile(r"(?:" + _STREET_CAPS + r"|" + _STREET_LOWER + r")" + _ADDRESS_TAIL, re.MULTILINE),
    re.compile(r"\b(?:P\.?\s?O\.?\s?Box|PO\s?Box)\s*\d+\b", re.IGNORECASE),
    re.compile(_UNIT_ALONE),
    re.compile(r"\b" + _CITY_STATE_ZIP),
    # Japan: the postal mark and what follows it up to a break (〒150-0002 東京都渋谷区渋谷2-21-1)
    re.compile(r"〒\s?\d{3}-?\d{4}[^\n,，。、]*"),
    # German-speaking: Musterstraße 12[, 10115 Berlin]
    re.compile(r"\b[A-ZÄÖÜ][\wäöüß\-]*(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm)\s+\d+[a-z]?\b"
               r"(?:,?\s*\d{5}\s+[A-ZÄÖÜ][\wäöüß\-]+)?"),
]
# Chinese: [省][市][区/县] + road + number [+ building/room], or at least 市 + 区
_CJK = r"[\u4e00-\u9fff]"
# a place name does not start with these (住在北京市 -> keep 住在)
_CN_START = r"(?![在住于是到寄送发往我的从给]|地址)"
_CN_ADMIN = (
    _CN_START + r"(?:" + _CJK + r"{2,3}(?:省|自治区))?(?:" + _CJK + r"{2,3}市)?(?:" + _CJK + r"{1,4}(?:区|县))?"
    r"(?:" + _CJK + r"{1,6}(?:镇|乡|街道))?"
)
_CN_STREET = (
    _CJK + r"{1,8}(?:路|街|大道|巷|弄|胡同)\s*[0-9０-９一二三四五六七八九十百]+\s*号"
    r"(?:\s*[0-9０-９A-Za-z\-一二三四五六七八九十]+\s*(?:栋|幢|座|号楼|楼|单元|层|室|号))*"
)
_CN_ADDRESSES = [
    re.compile(_CN_ADMIN + _CN_STREET),
    re.compile(_CN_START + r"(?:" + _CJK + r"{2,3}(?:省|自治区))?" + _CJK + r"{2,3}市" + _CJK + r"{1,4}(?:区|县)"),
]

# ------------------------------------------------------------------ names
_NAME = r"(?:[A-Z]\.\s?)?[A-Z][a-z'\-]+(?:\s+(?:[A-Z]\.\s?)?[A-Z][a-z'\-]+){0,2}|[A-Z]\.\s?[A-Z][a-z'\-]+"
# Capitalised words that follow "Thanks," but are not names.
_NOT_NAMES = {
    "amazon", "seller", "team", "support", "everyone", "all", "again", "god", "you", "the", "this",
    "that", "it", "i", "we", "they", "but", "and", "so", "for", "not", "no", "yes", "please", "customer",
    "buyer", "service", "guys", "folks", "anyway", "though", "in", "advance", "everything", "nothing",
    "something", "item", "product", "order", "return", "refund", "hi", "hello", "very", "much", "sir",
    "madam", "regards", "thanks", "best", "cheers", "sincerely", "here", "there", "my", "your",
    # praise a review ends on after a dash ("Great sound -- Highly Recommended")
    "highly", "recommended", "recommend", "great", "good", "excellent", "awesome", "amazing", "perfect", "love", "worth",
    "avoid", "terrible", "disappointed", "never", "stars", "star", "five", "one", "two",
}
# "Best" and "Cheers" sign off only with a comma or a line break after them: "Best Bluetooth Headset", a
# review's title, is no signature
_SIGN_OFF = re.compile(
    r"(?P<lead>\b(?:(?i:thanks|thank\s+you|many\s+thanks|regards|best\s+regards|kind\s+regards|warm\s+regards|"
    r"sincerely|yours\s+truly|respectfully|signed)(?:\s+(?i:so\s+much|again|in\s+advance))?"
    r"(?:\s*[,!.:;\-–—]+\s*|\s*\n\s*|\s+)|(?i:best|cheers)(?:\s*[,!.:;\-–—]+\s*|\s*\n\s*)))"
    r"(?P<name>" + _NAME + r")(?P<tail>\s*(?:$|\n|[.!,;)]))",
    re.MULTILINE,
)
# a dash signature starts its line or follows a sentence ("...dead.\n- Mary"), not a title's "Sound - Deep Bass"
_DASH_NAME = re.compile(
    r"(?P<lead>(?:^[ \t]*|(?<=[.!?])[ \t]*)(?:--?|–|—|~)\s*)(?P<name>" + _NAME + r")(?P<tail>\s*$)",
    re.MULTILINE,
)
_HERE_NAME = re.compile(
    r"(?P<lead>(?:^|(?<=[.!?\n])\s*|(?i:\b(?:hi|hello|hey)\b,?\s+))(?:(?i:this\s+is)\s+)?)"
    r"(?P<name>" + _NAME + r")(?P<tail>\s+here\b)",
    re.MULTILINE,
)
# "this is" introduces a name after a greeting ("Good morning sir, this is Shiva"); alone it is mostly praise
# ("This is Awesome")
_MY_NAME = re.compile(
    r"(?P<lead>\b(?i:my\s+name\s+is|(?:hi|hello|hey|dear|sir|madam|team|good\s+(?:morning|afternoon|evening)(?:\s+sir|\s+madam)?)"
    r"[\s,!.]*this\s+is)\s+)(?P<name>" + _NAME + r")(?P<tail>)")


_NAME_BEFORE_ADDRESS = re.compile(r"(?P<lead>)(?:^|(?<=[\s,;:(]))(?P<name>" + _NAME + r")(?P<tail>\s*,?\s*\[address\])")
# a name signed with a double dash or a dash at the very end ("no sound -- Jane Doe"): a single hyphen is not one
_END_DASH_NAME = re.compile(r"(?P<lead>\s(?:--|–|—)\s*)(?P<name>" + _NAME + r")(?P<tail>\s*$)")
_CJK_NAME = r"[\u4e00-\u9fff\u3040-\u30ff]{2,4}"
# a Chinese or Japanese name after its label ("收货人：王小明", "氏名：山田花子") ...
_CJK_LABELLED_NAME = re.compile(r"(?P<lead>(?:收货人|收件人|联系人|姓名|名字|氏名|お名前|名前|宛名)\s*[:：]?\s*)(?P<name>" + _CJK_NAME + r")(?P<tail>)")
# ... or standing alone just before an address ("山田花子 〒150-0001 東京都..." -> "山田花子 [address]")
_CJK_NAME_BEFORE_ADDRESS = re.compile(r"(?P<lead>)(?:^|(?<=[\s，,、;；:：]))(?P<name>" + _CJK_NAME + r")(?P<tail>\s*[,，、]?\s*\[address\])")


def _name_sub(match: re.Match[str]) -> str:
    name = match.group("name")
    words = [w.strip(".").lower() for w in name.split()]
    if not words or any(w in _NOT_NAMES for w in words):
        return match.group(0)
    return match.group("lead") + REDACTION_TAGS["name"] + match.group("tail")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(text: Any) -> str:
    """Return ``text`` as a str without control characters XML/Word reject.

    Tab, newline and carriage return are kept; NUL and the other C0 controls
    (which make python-docx raise and confuse terminals) are removed.
    """
    if text is None:
        return ""
    try:
        if pd.isna(text):
            return ""
    except (TypeError, ValueError):
        pass
    return _CONTROL.sub("", str(text))


def redact_pii(text: Any) -> str:
    """Replace buyer personal data in free text by tags.

    Parameters
    ----------
    text : str
        A comment, review or feedback text (``None`` / NA gives ``""``).

    Returns
    -------
    str
        The text with e-mail addresses -> ``[email]``, payment card numbers
        (13-19 digits passing the Luhn check) -> ``[card]``, phone numbers ->
        ``[phone]``, street addresses (US style with unit, city, state + ZIP;
        Chinese 省/市/区/路/号) -> ``[address]`` and signed names ->
        ``[name]``.  Order ids (``112-4829301-5573024``), ASINs, SKUs, lot
        codes and dates are left as they are.

    Notes
    -----
    Rules are regular expressions, applied in the order e-mail, card, address,
    phone, name (a card's groups and an address's ZIP must not be read as a
    phone; an e-mail's local part must not be read as a name).  Names are found only where they
    are signed, so an unsigned name in the middle of a sentence is missed.
    """
    out = clean_text(text)
    if not out:
        return out
    out = _EMAIL.sub(REDACTION_TAGS["email"], out)
    out = _SPELLED_EMAIL.sub(REDACTION_TAGS["email"], out)
    out = _CARD.sub(_card_sub, out)
    for pattern in _ADDRESSES + _CN_ADDRESSES:
        out = pattern.sub(REDACTION_TAGS["address"], out)
    for pattern in _PHONES:
        out = pattern.sub(_phone_sub, out)
    for pattern in (_SIGN_OFF, _DASH_NAME, _END_DASH_NAME, _HERE_NAME, _MY_NAME, _CJK_LABELLED_NAME):
        out = pattern.sub(_name_sub, out)
    # "[address], [address]" from the separate unit / city rules reads as one address
    out = re.sub(r"\[address\](?:[,\s]*\[address\])+", REDACTION_TAGS["address"], out)
    # the name an address is written under: "John Smith, [address]"
    out = _NAME_BEFORE_ADDRESS.sub(_name_sub, out)
    out = _CJK_NAME_BEFORE_ADDRESS.sub(_name_sub, out)
    return out


_HAS_DIGIT_OR_CJK_ADDRESS = re.compile(r"\d|[省市区县路街号]")


def strip_contacts(text: str) -> str:
    """``text`` without e-mail addresses, card and phone numbers and street addresses, each replaced by a sentence break:
    what the distinctive terms are counted from, so that "smith gmail" or "main street" is never a term.

    Signed names are left (their rule also takes product words, "Best Bluetooth Headset"); a term table keeps
    only terms that two complaints or more use, which a buyer's name in one comment is not.
    """
    if "@" not in text and not _HAS_DIGIT_OR_CJK_ADDRESS.search(text) and not _SPELLED_EMAIL.search(text):
        return text
    out = _CARD.sub(lambda m: " . " if _card_sub(m) == REDACTION_TAGS["card"] else m.group(0), _SPELLED_EMAIL.sub(" . ", _EMAIL.sub(" . ", text)))
    for pattern in _ADDRESSES + _CN_ADDRESSES:
        out = pattern.sub(" . ", out)
    for pattern in _PHONES:
        out = pattern.sub(lambda m: " . " if _phone_sub(m) == REDACTION_TAGS["phone"] else m.group(0), out)
    return out



#: words of a column header that holds a buyer's contact details (a header is lower-cased, and every run of
#: other characters than letters and digits made "_", before it is searched): never exported
CONTACT_HEADER_WORDS = (
    "email", "e_mail", "phone", "address", "buyer_name", "customer_name", "recipient", "ship_to", "rater",
    "author", "profile", "reviewer_name", "reviewer_email", "telefon", "adresse", "anschrift", "bewerter", "empf",
    "correo", "telefono", "indirizzo", "direccion", "nom_acheteur", "nom_de_l_acheteur", "postal", "postcode", "zip_code", "zipcode",
    "bill_", "ship_city",
    "メール", "電話", "住所", "氏名", "お届け先", "評価者", "購入者名", "邮箱", "电话", "地址", "姓名", "收件人", "收货人",
)
#: header words that name a person wherever they stand ("Reviewer", "reviewer-id", "Nickname", "Käufer")
CONTACT_HEADER_TOKENS = frozenset({"reviewer", "nickname", "username", "contact", "käufer", "kaeufer", "kunde", "acheteur",
                                   "comprador", "acquirente"})
#: headers that name a person when they stand alone ("Name", but not "product-name"; "Buyer", not "is-buyer-requested-cancellation")
CONTACT_HEADERS = frozenset({"name", "buyer", "user", "customer", "client", "zip", "plz", "邮编", "郵便番号", "购买者", "買い手", "购买人", "买家", "購入者", "用户", "昵称", "ニックネーム"})
_NOT_WORD = re.compile(r"[\W_]+")  # (letters of every script are kept: "Käufer" was "k_ufer" and never matched)


def contact_column(header: Any) -> bool:
    """True when a column header names a buyer's contact details (``buyer-email``, ``Rater Email``,
    ``E-Mail-Adresse des Bewerters``, ``評価者のEメール``, ``recipient-name``, ``ship-address-1``, a review's ``Author``
    or ``Reviewer``, a column headed ``Name`` or ``Buyer``)."""
    low = _NOT_WORD.sub("_", str(header).lower()).strip("_")
    tokens = set(low.split("_"))
    return any(w in low for w in CONTACT_HEADER_WORDS) or bool(tokens & CONTACT_HEADER_TOKENS) or low in CONTACT_HEADERS
