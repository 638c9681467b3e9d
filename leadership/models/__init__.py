"""The leadership app's models, one module per sub-package."""

from leadership.models.quality import (  # noqa: F401
    Competency,
    DesignationOutcome,
    DesignationReview,
    QAAction,
    QAActionStatus,
    QAActivity,
    QAActivityKind,
    QAGroup,
    QAGroupMember,
    QARating,
    RatingLevel,
)
