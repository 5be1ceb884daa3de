"""The true people behind the reports: children, offenders, and the networks that link them.

This is ground truth: what agencies *should* have written if nobody made mistakes. Children are
10-17 at the reference date (a few turn 18 inside the window, a few are adults by mistake);
some move house or change number inside the window, so a stale value in an agency record has a
true "before". Offenders come in networks, and a networked child is exploited by one or two
of its members, which is what makes one suspect phone or handle show up around many children.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from anyascii import anyascii

from threadline.simulate.concern import PROFILES, Profile, pick_profile
from threadline.simulate.config import SimulationConfig
from threadline.simulate.namebank import NameBank, Weighted, choose
from threadline.simulate.phones import PhonePool

__all__ = ["Child", "Handle", "Network", "Offender", "Population", "Residence", "build_population"]

_INWARD = "ABDEFGHJLNPQRSTUWXYZ"
_KID_WORDS = ("gamer", "xo", "vibes", "official", "bby", "lol", "star", "queen", "king", "fn")
_OFFENDER_WORDS = (
    "trap",
    "plug",
    "money",
    "gwop",
    "drip",
    "grind",
    "racks",
    "bando",
    "boss",
    "slick",
    "ghost",
    "promo",
    "modelscout",
    "cashout",
    "realone",
    "link",
)
_NETWORK_SIZES = Weighted.of({1: 0.35, 2: 0.2, 3: 0.2, 4: 0.12, 5: 0.08, 6: 0.05})
_LONE_PROFILES = Weighted.of({"online_grooming": 4, "sextortion": 3, "cse": 2})
_GROUP_PROFILES = Weighted.of({"county_lines": 5, "cse": 3, "trafficking": 2})


@dataclass(frozen=True, slots=True)
class Handle:
    platform: str
    handle: str


@dataclass(frozen=True, slots=True)
class Residence:
    since: datetime
    postcode: str
    address: str
    landline_prefix: str


@dataclass(frozen=True, slots=True)
class Child:
    """A child as they really are; ``phones`` and ``residences`` are in time order."""

    child_id: str
    given_name: str
    family_name: str
    sex: str
    origin: str
    date_of_birth: date
    nicknames: tuple[str, ...]
    residences: tuple[Residence, ...]
    phones: tuple[tuple[datetime, str], ...]  # (since, national number)
    emails: tuple[str, ...]
    handles: tuple[Handle, ...]
    nhs_number: str
    profile: str
    missing_prone: bool
    network_id: str | None
    offender_ids: tuple[str, ...]

    def residence_at(self, at: datetime) -> tuple[Residence, Residence | None]:
        """(current, previous) residence at ``at``."""
        current = [r for r in self.residences if r.since <= at] or [self.residences[0]]
        return current[-1], (current[-2] if len(current) > 1 else None)

    def phones_at(self, at: datetime) -> tuple[str | None, str | None]:
        """(current, previous) phone number at ``at``."""
        current = [n for since, n in self.phones if since <= at]
        return (current[-1] if current else None), (current[-2] if len(current) > 1 else None)


@dataclass(frozen=True, slots=True)
class Offender:
    offender_id: str
    given_name: str
    family_name: str
    street_name: str | None
    date_of_birth: date
    phones: tuple[str, ...]
    handles: tuple[Handle, ...]
    network_id: str


@dataclass(slots=True)
class Network:
    """Offenders working together and the children they exploit (true, never reported)."""

    network_id: str
    profile: str
    offender_ids: tuple[str, ...]
    child_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Population:
    children: tuple[Child, ...]
    offenders: tuple[Offender, ...]
    networks: tuple[Network, ...]


class _Builder:
    """Holds the uniqueness sets and samplers while one population is built."""

    def __init__(
        self, rng: random.Random, config: SimulationConfig, bank: NameBank, pool: PhonePool
    ) -> None:
        self.rng, self.config, self.bank, self.pool = rng, config, bank, pool
        self.reference = config.start.date()
        self.end = config.start + timedelta(days=config.days)
        self.handles: set[tuple[str, str]] = set()
        self.emails: set[str] = set()
        weights = list(zip(bank.origins.items, _deltas(bank.origins), strict=True))
        self.origins = {  # trafficked children come more often from some origins
            name: Weighted.of([(o, w * p.origin_boost.get(o, 1.0)) for o, w in weights])
            for name, p in PROFILES.items()
        }

    def moment(self) -> datetime:
        return self.config.start + timedelta(seconds=self.rng.uniform(0, self.config.days * 86400))

    def dob(self, ages: tuple[float, ...]) -> date:
        c, rng, ref = self.config, self.rng, self.reference
        roll = rng.random()
        if roll < c.adult_share:
            age = choose(rng, (18, 19))
        elif roll < c.adult_share + c.turning_18_share:  # turns 18 inside the window
            return _years_before(ref, 18) + timedelta(days=rng.randint(1, c.days))
        else:
            age = rng.choices(range(10, 18), weights=ages)[0]
        return _years_before(ref, age) - timedelta(days=rng.randint(0, 364))

    def handle(self, platform: str, stem: str, words: tuple[str, ...], year: int) -> Handle:
        rng = self.rng
        for attempt in range(50):
            word = choose(rng, words)
            text = choose(
                rng,
                (
                    f"{stem}_{year % 100:02d}",
                    f"{stem}.{word}",
                    f"xx{stem}xx",
                    f"{word}_{stem}{rng.randint(1, 99)}",
                    f"{stem}{rng.randint(1, 999)}",
                    f"its.{stem}",
                    f"{word}{stem}",
                ),
            )
            if attempt > 10:
                text += str(rng.randint(100, 9999))
            if (platform, text) not in self.handles:
                self.handles.add((platform, text))
                return Handle(platform, text)
        raise AssertionError("unreachable: suffixes make handles unique")

    def email(self, given: str, family: str, year: int) -> str:
        for n in range(1000):
            local = choose(
                self.rng,
                (
                    f"{given}.{family}",
                    f"{given}{year % 100:02d}",
                    f"{given[0]}{family}",
                    f"{given}_{family[:3]}",
                ),
            )
            address = f"{local}{n or ''}@{choose(self.rng, ('example.com', 'example.org'))}"
            if address not in self.emails:
                self.emails.add(address)
                return address
        raise AssertionError("unreachable: counters make e-mails unique")

    def residence(self, since: datetime) -> Residence:
        rng, place = self.rng, self.bank.districts.pick(self.rng)
        postcode = (
            f"{place.district} {rng.randint(1, 9)}{choose(rng, _INWARD)}{choose(rng, _INWARD)}"
        )
        street = choose(rng, self.bank.streets)
        if rng.random() < 0.15:
            line = f"Flat {rng.randint(1, 40)}, {choose(rng, self.bank.blocks)}, {street}"
        else:
            line = f"{rng.randint(1, 180)} {street}"
        return Residence(since, postcode, f"{line}, {place.town}", place.landline_prefix)


def _deltas(w: Weighted[str]) -> list[float]:
    return [b - a for a, b in zip((0.0, *w.cumulative), w.cumulative, strict=False)]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _stem(name: str) -> str:
    return "".join(c for c in anyascii(name).lower() if c.isalnum())


def _nhs_number(rng: random.Random) -> str:
    """A checksum-valid NHS number in the 999 range the NHS keeps for testing."""
    while True:
        digits = "999" + "".join(str(rng.randint(0, 9)) for _ in range(6))
        check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return digits + str(0 if check == 11 else check)


def _offender(b: _Builder, offender_id: str, network: str, profile: Profile) -> Offender:
    rng, bank = b.rng, b.bank
    origin = bank.origins.pick(rng)
    given = bank.given_name(rng, origin, "m" if rng.random() < 0.85 else "f")
    family = bank.family_name(rng, origin)
    dob = _years_before(b.reference, rng.randint(18, 40)) - timedelta(days=rng.randint(0, 364))
    phones = tuple(b.pool.draw() for _ in range(choose(rng, (1, 1, 2, 2, 3))))
    platforms = dict.fromkeys(profile.platforms.pick(rng) for _ in range(rng.randint(1, 3)))
    handles = tuple(b.handle(p, _stem(given), _OFFENDER_WORDS, dob.year) for p in platforms)
    street = choose(rng, bank.street_names) if rng.random() < 0.5 else None
    return Offender(offender_id, given, family, street, dob, phones, handles, network)


def _child(
    b: _Builder,
    child_id: str,
    profile: Profile,
    networks: dict[str, list[Network]],
    all_networks: list[Network],
) -> Child:
    rng, bank, config = b.rng, b.bank, b.config
    sex = "f" if rng.random() < profile.female_share else "m"
    origin = b.origins[profile.name].pick(rng)
    given = bank.given_name(rng, origin, sex)
    family = bank.family_name(rng, origin if rng.random() < 0.9 else bank.origins.pick(rng))
    dob = b.dob(profile.ages)
    nicks = bank.nicknames.get(given, ())
    nicknames = (choose(rng, nicks),) if nicks and rng.random() < 0.6 else ()
    early = config.start - timedelta(days=365)
    residences = [b.residence(early)]
    if rng.random() < config.moved_share:
        residences.append(b.residence(b.moment()))
    phones: list[tuple[datetime, str]] = []
    age = (b.reference - dob).days // 365
    if rng.random() < (0.5 if age < 12 else 0.75 if age < 14 else 0.9):
        phones.append((early, b.pool.draw(residences[0].landline_prefix)))
        if rng.random() < config.new_phone_share:
            phones.append((b.moment(), b.pool.draw(residences[0].landline_prefix)))
    stem = _stem(given)
    emails = (b.email(stem, _stem(family), dob.year),) if rng.random() < 0.45 else ()
    platforms = dict.fromkeys(profile.platforms.pick(rng) for _ in range(rng.randint(1, 3)))
    handles = tuple(b.handle(p, stem, _KID_WORDS, dob.year) for p in platforms)
    if rng.random() < 0.1:
        handles = ()
    network_id: str | None = None
    offender_ids: tuple[str, ...] = ()
    if rng.random() < config.networked_share and all_networks:
        candidates = networks.get(profile.name) or all_networks
        network = rng.choices(candidates, weights=[len(n.offender_ids) for n in candidates])[0]
        network.child_ids.append(child_id)
        network_id = network.network_id
        offender_ids = tuple(
            rng.sample(network.offender_ids, min(len(network.offender_ids), choose(rng, (1, 1, 2))))
        )
    return Child(
        child_id,
        given,
        family,
        sex,
        origin,
        dob,
        nicknames,
        tuple(residences),
        tuple(phones),
        emails,
        handles,
        _nhs_number(rng),
        profile.name,
        rng.random() < profile.missing_prone,
        network_id,
        offender_ids,
    )


def build_population(
    rng: random.Random, config: SimulationConfig, bank: NameBank, pool: PhonePool
) -> Population:
    """Offender networks first (children are assigned to them), then the children."""
    b = _Builder(rng, config, bank, pool)
    offenders: list[Offender] = []
    networks: list[Network] = []
    while len(offenders) < config.offender_count:
        size = min(_NETWORK_SIZES.pick(rng), config.offender_count - len(offenders))
        profile = PROFILES[(_LONE_PROFILES if size == 1 else _GROUP_PROFILES).pick(rng)]
        network_id = f"N{len(networks) + 1:05d}"
        members = [
            _offender(b, f"O{len(offenders) + i + 1:06d}", network_id, profile) for i in range(size)
        ]
        offenders += members
        networks.append(Network(network_id, profile.name, tuple(o.offender_id for o in members)))
    by_profile: dict[str, list[Network]] = {}
    for network in networks:
        by_profile.setdefault(network.profile, []).append(network)
    children = tuple(
        _child(b, f"C{i + 1:06d}", pick_profile(rng), by_profile, networks)
        for i in range(config.children)
    )
    return Population(children, tuple(offenders), tuple(networks))
