"""事项准入: reviewing tasks pushed to a town against its lists, with recorded, cited decisions."""
from .kinds import DECISIONS, STATES
from .proposal import Proposal, propose

__all__ = ["DECISIONS", "STATES", "Proposal", "propose"]
