"""「这件事归谁管？」: the responsibility resolver and its evaluation."""
from .answer import VERDICT_WORDS, Answer, Candidate
from .resolver import Resolver

__all__ = ["Answer", "Candidate", "Resolver", "VERDICT_WORDS"]
