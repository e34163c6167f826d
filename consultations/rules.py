"""All named permissions, composed from predicates. Views, templates, consumers and actions
ask for these names (``user.has_perm("consultations.add_comment", discussion)``)."""

import rules

from consultations.phases import Verb
from consultations.predicates import (
    answers_with_token,
    has_target,
    is_admin,
    is_author,
    is_blocked,
    is_consultation_moderator,
    is_council_organiser,
    is_deleted_comment,
    is_editor,
    is_held_comment,
    is_live_comment,
    is_participant,
    is_public,
    is_published_poll,
    is_published_survey,
    is_resident,
    is_site_moderator,
    organises_council,
    poll_for_everyone,
    sees_module_instance,
    survey_results_public,
    verb_is_open,
    within_edit_window,
)

is_staff_for = is_consultation_moderator | is_site_moderator | is_editor | is_admin
can_view = (is_public | is_participant | is_staff_for) & sees_module_instance
can_moderate = is_consultation_moderator | is_site_moderator | is_admin


def takes_part(verb: str):
    """A resident who can see the consultation and is not blocked there, while ``verb`` is
    open in the target (a module instance, or a comment of one: ``verb_is_open``)."""
    return is_resident & can_view & ~is_blocked & verb_is_open(verb)


PERMISSIONS = {
    "consultations.view_consultation": can_view,
    "consultations.add_comment": takes_part(Verb.COMMENT),
    "consultations.add_reaction": takes_part(Verb.REACT),
    # Target: a comment. Two levels decide every way in (permalink, thread, fragments, report,
    # edit, react, reply, moderation, socket catch-up, exports): whether a person may see that
    # a comment exists (held ones only its author and moderators; removed ones as a tombstone),
    # and whether they may see its text. Acting on a comment (report, react, reply, edit) needs
    # it to be published; otherwise those ways in answer "not found".
    "consultations.view_comment": can_view & (~is_held_comment | is_author | can_moderate),
    "consultations.read_comment": can_view
    & (is_live_comment | (is_author & ~is_deleted_comment) | can_moderate),
    "consultations.act_on_comment": can_view & is_live_comment,
    "consultations.change_comment": is_author
    & is_live_comment
    & within_edit_window
    & takes_part(Verb.COMMENT),
    "consultations.delete_comment": is_author & (is_live_comment | is_held_comment),
    "consultations.reply_to_comment": takes_part(Verb.COMMENT) & is_live_comment,
    "consultations.react_to_comment": takes_part(Verb.REACT) & is_live_comment & ~is_author,
    # Reports stay open after participation ends: unlawful content must always be reportable.
    # Blocked people cannot report (see docs/moderation.md for what counts towards auto-hide).
    "consultations.report_comment": is_resident
    & can_view
    & ~is_blocked
    & ~is_author
    & is_live_comment,
    "consultations.moderate_discussion": can_moderate,
    "consultations.publish_results": is_editor | is_admin,
    # Setting consultations up, in the Wagtail admin too: its permission policy asks these
    # names (``consultations/admin/permissions.py``: ``<action>_<model>`` for add, change,
    # delete and view; a name missing here is refused, to superusers as well). Editors set
    # consultations up; asked without an object, a ``view_`` rule says who sees the listing.
    "consultations.add_consultation": is_editor | is_admin,
    "consultations.change_consultation": is_editor | is_admin,
    "consultations.delete_consultation": is_editor | is_admin,
    # As on the site: a person sees a discussion where they see its consultation (or owner).
    "consultations.view_discussion": can_view,
    "consultations.add_discussion": is_editor | is_admin,
    "consultations.change_discussion": is_editor | is_admin,
    "consultations.delete_discussion": is_editor | is_admin,
    "consultations.view_consultationmembership": is_editor | is_admin,
    "consultations.add_consultationmembership": is_editor | is_admin,
    "consultations.change_consultationmembership": is_editor | is_admin,
    "consultations.delete_consultationmembership": is_editor | is_admin,
    "consultations.view_topic": is_editor | is_admin,
    "consultations.add_topic": is_editor | is_admin,
    "consultations.change_topic": is_editor | is_admin,
    "consultations.delete_topic": is_editor | is_admin,
    "consultations.view_district": is_editor | is_admin,
    "consultations.add_district": is_editor | is_admin,
    "consultations.change_district": is_editor | is_admin,
    "consultations.delete_district": is_editor | is_admin,
    # The word list is the moderators' (as before: editors do not keep it).
    "consultations.view_blockedword": is_site_moderator | is_admin,
    "consultations.add_blockedword": is_site_moderator | is_admin,
    "consultations.change_blockedword": is_site_moderator | is_admin,
    "consultations.delete_blockedword": is_site_moderator | is_admin,
    # Blocks and moderation decisions are written only by moderation actions: they may be
    # listed and inspected, never added, changed or deleted in the admin (no rule = refused).
    "consultations.view_userblock": is_site_moderator | is_admin,
    "consultations.view_moderationdecision": is_site_moderator | is_admin,
    "consultations.view_statistics": is_consultation_moderator | is_editor | is_admin,
    # Surveys (target: a survey). Drafts are seen by their staff only (the module's can_view).
    # A block in the consultation does not keep anyone from answering: answers are not public.
    # Without a survey (the admin's listing and chooser) only the surveys' staff: drafts are
    # theirs. With one, whoever may see it (the module's can_view: published, or staff).
    "consultations.view_survey": (has_target & can_view) | is_editor | is_admin,
    "consultations.answer_survey": can_view
    & is_published_survey
    & verb_is_open(Verb.ANSWER)
    & (is_resident | answers_with_token),
    "consultations.view_survey_results": can_view & (survey_results_public | is_editor | is_admin),
    # Free-text answers, district breakdowns, exports and paper entry: editors and admins.
    "consultations.manage_survey": can_view & (is_editor | is_admin),
    "consultations.add_survey": is_editor | is_admin,
    "consultations.change_survey": is_editor | is_admin,
    "consultations.delete_survey": is_editor | is_admin,
    # Quick polls (target: a poll; outside consultations, open between their own dates).
    "consultations.vote_in_poll": sees_module_instance
    & is_published_poll
    & verb_is_open(Verb.VOTE)
    & (is_resident | poll_for_everyone),
    "consultations.view_quickpoll": (has_target & sees_module_instance) | is_editor | is_admin,
    "consultations.add_quickpoll": is_editor | is_admin,
    "consultations.change_quickpoll": is_editor | is_admin,
    "consultations.delete_quickpoll": is_editor | is_admin,
    # Citizens' councils (target: a council). The site group "Council organisers" means "may
    # create councils"; organising one is a membership of it (and the group: leaving the group
    # ends every organiser role). Drafts are their organisers' and admins' (module can_view).
    "consultations.organise_council": is_admin
    | (has_target & is_council_organiser & organises_council),
    # Without a council (the admin's listing): who may open the councils' admin at all.
    "consultations.view_council": (has_target & sees_module_instance)
    | (~has_target & (is_council_organiser | is_admin)),
    "consultations.add_council": is_council_organiser | is_admin,
    # Without a council (the admin's model-level question): may change some council.
    "consultations.change_council": is_admin
    | (is_council_organiser & (~has_target | organises_council)),
    "consultations.delete_council": is_admin
    | (is_council_organiser & (~has_target | organises_council)),
}

for _name, _predicate in PERMISSIONS.items():
    rules.add_perm(_name, _predicate)
