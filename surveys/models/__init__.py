"""The surveys app's records, one module per sub-domain: surveys (and questions), distribution (and invitations),
responses (and answers), followups; context holds the fields an invitation and a response share."""

from surveys.models.complaints import *  # noqa: F403
from surveys.models.desk import *  # noqa: F403
from surveys.models.distribution import Distribution, Invitation, UnsubscribedAddress, new_invitation_token
from surveys.models.followups import FollowUp, FollowUpEvent, ReplyTemplate
from surveys.models.public_answers import *  # noqa: F403
from surveys.models.responses import Answer, Response
from surveys.models.rollups import *  # noqa: F403
from surveys.models.sending import *  # noqa: F403
from surveys.models.surveys import LANGUAGE_CODES, Choice, Localized, Question, Survey, new_public_id
from surveys.models.text import *  # noqa: F403
from surveys.models.website import *  # noqa: F403

__all__ = [
    "LANGUAGE_CODES",
    "Answer",
    "Choice",
    "Distribution",
    "FollowUp",
    "FollowUpEvent",
    "Invitation",
    "Localized",
    "Question",
    "ReplyTemplate",
    "Response",
    "Survey",
    "UnsubscribedAddress",
    "new_invitation_token",
    "new_public_id",
]
