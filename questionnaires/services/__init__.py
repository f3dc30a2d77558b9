"""Writes for the questionnaires app, split by sub-domain: questionnaires and their responses."""

from .learning import (
    learning_batch_confirm_above,
    learning_batch_create,
    learning_item_confirm,
    learning_item_draft,
    learning_item_reject,
)
from .questionnaires import (
    questionnaire_complete,
    questionnaire_create,
    questionnaire_import,
    questionnaire_import_retry,
    questionnaire_imports_sweep,
    questionnaire_remap,
    questionnaire_seed_demo,
    questionnaire_update,
)
from .responses import (
    response_accept,
    response_approve,
    response_assign,
    response_comment,
    response_edit,
    response_flag,
    response_propose_to_library,
    response_reopen,
    response_use_entry,
)

__all__ = [
    "learning_batch_confirm_above",
    "learning_batch_create",
    "learning_item_confirm",
    "learning_item_draft",
    "learning_item_reject",
    "questionnaire_complete",
    "questionnaire_create",
    "questionnaire_import",
    "questionnaire_import_retry",
    "questionnaire_imports_sweep",
    "questionnaire_remap",
    "questionnaire_seed_demo",
    "questionnaire_update",
    "response_accept",
    "response_approve",
    "response_assign",
    "response_comment",
    "response_edit",
    "response_flag",
    "response_propose_to_library",
    "response_reopen",
    "response_use_entry",
]
