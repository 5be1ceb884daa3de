"""De-identified observations for insights: drafted in stage 1, completed in stage 2.

Why two halves: the coarse fields of an observation (week, agency type and region, age band,
concern codes, platforms) come from the decoded event, which only stage 1 sees; the one bit the
correlator adds, *known to another agency*, needs the linked subject, which only stage 2 has.
So stage 1 drafts the observation with that bit unset and carries it, encoded, in the link
record; stage 2 sets the bit from the subject's members once the report is linked and publishes
it to ``safeguarding.observations.v1`` with no key (an observation has no id of any kind, and a
key would let a reader group a child's observations).

"Known to another agency" means: when this report was linked, its subject already held a report
from a different agency (reports are linked in one total order, so this is the order in which
the correlator learned of them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from threadline.contracts import EventType
from threadline.insights.agencies import AgencyDirectory
from threadline.insights.codec import ObservationCodec, default_codec
from threadline.insights.observations import observation_from_event

__all__ = ["Observer", "known_to_other_agencies"]


def known_to_other_agencies(agency_id: str, members: Iterable[str]) -> bool:
    """Whether any member (``<agency id>/<report id>``) comes from an agency other than this."""
    return any(m.split("/", 1)[0] != agency_id for m in members)


class Observer:
    """Drafts (stage 1), completes (stage 2) and encodes (on the wire) observations."""

    def __init__(
        self, agencies: AgencyDirectory | None = None, codec: ObservationCodec | None = None
    ) -> None:
        self.agencies = agencies or AgencyDirectory.load()
        self.codec = codec or default_codec()

    def draft(self, event_type: EventType, record: Mapping[str, Any]) -> bytes | None:
        """The observation of a verified event with *known* unset; None for updates and
        withdrawals. A field the insights vocabulary refuses raises ValidationError."""
        profile = self.agencies.profile(str(record["agency_id"]))
        observation = observation_from_event(
            event_type,
            record,
            agency_type=profile.agency_type,
            region=profile.region,
            known_to_other_agencies=False,
        )
        return None if observation is None else self.codec.encode(observation)

    def complete(self, draft: bytes, *, known: bool) -> dict[str, Any]:
        """The draft with *known* set, as the record the outbox stores and :meth:`encode`
        takes. The draft was validated when stage 1 made it, so it is not normalised again."""
        return {**self.codec.decode_record(draft), "known_to_other_agencies": known}

    def encode(self, record: Mapping[str, Any]) -> bytes:
        return self.codec.encode_record(record)
