"""Finding people registered twice: normalise names, block with keys, score pairs (no database, no Qt).

See docs/dedup.md for the weights and the measured recall and precision.
"""

from cashdesk.registry.dedup.engine import Blocks, find_duplicates
from cashdesk.registry.dedup.keys import match_keys
from cashdesk.registry.dedup.records import Match, PersonRecord
from cashdesk.registry.dedup.scoring import score_pair

__all__ = ["Blocks", "Match", "PersonRecord", "find_duplicates", "match_keys", "score_pair"]
