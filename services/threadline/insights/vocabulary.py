"""The closed vocabularies an observation may use, and how a policy reader sees each value.

Why closed: an observation must carry no free text, and a field that accepts any string is free
text by another name (an agency could type a name into ``platform``). Enum symbols come from the
safeguarding contract itself (``schemas/*.avsc``), so a symbol added there is known here without
a second edit; a symbol that is not known maps to ``OTHER``, as an Avro reader would do.
Platforms are not an enum in the contract, so the list is kept here, with the spellings agencies
actually write (``insta``, ``fb``, ``twitter``) folded onto one name and the rest counted as
``other``.
"""

from __future__ import annotations

import functools
import re

from threadline.contracts import NAMESPACE, default_registry

__all__ = [
    "AGE_BANDS",
    "KNOWN_PLATFORMS",
    "OTHER_PLATFORM",
    "canonical_platform",
    "contract_symbols",
    "exploitation_types",
    "indicators",
    "label",
    "platform_label",
    "platform_roles",
    "stages",
]

AGE_BANDS = ("0-9", "10-12", "13-15", "16-17", "18+")
"""The SDK's age bands (``threadline.sdk.builder.age_band``), youngest first."""

OTHER_PLATFORM = "other"

_PLATFORM_NAMES = {
    "snapchat": "Snapchat",
    "instagram": "Instagram",
    "whatsapp": "WhatsApp",
    "tiktok": "TikTok",
    "facebook": "Facebook",
    "messenger": "Messenger",
    "youtube": "YouTube",
    "x": "X (Twitter)",
    "discord": "Discord",
    "roblox": "Roblox",
    "minecraft": "Minecraft",
    "fortnite": "Fortnite",
    "steam": "Steam",
    "xbox": "Xbox Live",
    "playstation": "PlayStation Network",
    "twitch": "Twitch",
    "kick": "Kick",
    "telegram": "Telegram",
    "signal": "Signal",
    "threads": "Threads",
    "reddit": "Reddit",
    "omegle": "Omegle",
    "yubo": "Yubo",
    "wizz": "Wizz",
    "tinder": "Tinder",
    "grindr": "Grindr",
    "onlyfans": "OnlyFans",
    "paypal": "PayPal",
    "cashapp": "Cash App",
    OTHER_PLATFORM: "Other platforms",
}
KNOWN_PLATFORMS = tuple(p for p in _PLATFORM_NAMES if p != OTHER_PLATFORM)

_ALIASES = {
    "insta": "instagram",
    "ig": "instagram",
    "fb": "facebook",
    "facebook-messenger": "messenger",
    "twitter": "x",
    "x.com": "x",
    "snap": "snapchat",
    "yt": "youtube",
    "psn": "playstation",
    "xbox-live": "xbox",
    "cash-app": "cashapp",
    "meta-instagram": "instagram",
    "meta-facebook": "facebook",
    "meta-whatsapp": "whatsapp",
    "google-youtube": "youtube",
}

_WORDS = re.compile(r"^[A-Za-z_]+$")
_LABELS = {
    "CSE": "Child sexual exploitation",
    "CCE": "Child criminal exploitation",
    "COUNTY_LINES": "County lines",
    "TRUST_DECEPTION": "Trust / deception",
    "MEETING_COERCION": "Meeting / coercion",
    "UNACCOMPANIED_ASYLUM_SEEKING_CHILD": "Unaccompanied asylum-seeking child",
    "UNEXPLAINED_MONEY_GIFTS": "Unexplained money or gifts",
    "NEW_PHONE": "New phone",
    "SCHOOL_DISENGAGEMENT": "School disengagement",
    "ONLINE_CONTACT_WITH_STRANGERS": "Online contact with strangers",
    "CONCERN": "Concern raised",
    "REFERRAL": "Referral made",
    "MISSING_EPISODE": "Missing episode",
    "social_care": "Children's social care",
    "youth_justice": "Youth justice",
}


@functools.cache
def contract_symbols(enum_name: str) -> tuple[str, ...]:
    """The symbols of a safeguarding enum (``ExploitationStage``...) in schema order."""
    definition = default_registry().named_types.definitions[f"{NAMESPACE}.{enum_name}"]
    return tuple(definition["symbols"])


def exploitation_types() -> tuple[str, ...]:
    return contract_symbols("ExploitationType")


def stages() -> tuple[str, ...]:
    """Stages in the order exploitation progresses, ``UNKNOWN`` last."""
    return contract_symbols("ExploitationStage")


def indicators() -> tuple[str, ...]:
    return contract_symbols("Indicator")


def platform_roles() -> tuple[str, ...]:
    return contract_symbols("PlatformRole")


def canonical_platform(value: str) -> str:
    """The vocabulary name for what an agency wrote, or ``other``."""
    key = value.strip().lower().replace(" ", "-").replace("_", "-")
    key = _ALIASES.get(key, key)
    return key if key in _PLATFORM_NAMES else OTHER_PLATFORM


def platform_label(platform: str) -> str:
    """Display name of a vocabulary platform (``x`` is ``X (Twitter)``)."""
    return _PLATFORM_NAMES.get(platform, _PLATFORM_NAMES[OTHER_PLATFORM])


def label(symbol: str) -> str:
    """A reader's label for an enum symbol or category: ``GOING_MISSING`` is ``Going missing``."""
    if symbol in _LABELS:
        return _LABELS[symbol]
    if _WORDS.match(symbol):
        return symbol.replace("_", " ").capitalize()
    return symbol  # codes such as 2025-W10, 2025-03 and 13-15 are their own labels
