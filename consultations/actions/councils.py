"""Citizens' councils: setting one up, its organisers, its stratification, the register
extract and the invitation draw (docs/councils.md).

Every function checks its named rule, validates before writing anything, writes in one
transaction and leaves one entry in Wagtail's audit log. Audit entries of the register and
the draw carry counts, the seed and hashes, never a person's data. Nothing is broadcast yet:
no page shows councils live.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import rules
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from consultations.actions import ActionError, PermissionDenied
from consultations.actions.deletions import delete_logged, lock_for_deletion
from consultations.models import (
    Consultation,
    Council,
    CouncilOrganiser,
    InvitationDraw,
    RegisterEntry,
    StratificationCategory,
    StratificationValue,
    User,
)
from consultations.predicates import is_admin, is_council_organiser
from consultations.sanitising import clean_plain_text
from consultations.sortition import invitations as invitation_rule
from consultations.sortition import quotas, register

MAX_CATEGORIES = 12
MAX_VALUES = 40
DATE_FIELDS = (
    "invitations_on",
    "registration_until",
    "panel_drawn_on",
    "sessions_from",
    "sessions_until",
)


class FileRefused(ActionError):
    """An uploaded file was refused as a whole; ``errors`` are ``(line, message)``."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(_("The file was not imported: nothing was changed."), code="file")
        self.errors = errors


# --- the council -------------------------------------------------------------------------------


def _clean_council_fields(fields: Mapping[str, Any], *, has_categories: bool) -> dict[str, Any]:
    title = clean_plain_text(fields.get("title") or "")
    if not title:
        raise ActionError(_("The council needs a title."), code="title")
    if len(title) > 200:
        raise ActionError(_("The title is too long (at most 200 characters)."), code="title")
    question = clean_plain_text(fields.get("question") or "")
    if not question:
        raise ActionError(_("Say which question the council answers."), code="question")
    if len(question) > 500:
        raise ActionError(_("The mandate is too long (at most 500 characters)."), code="question")
    description = (fields.get("description") or "").strip()
    if len(description) > 5000:
        raise ActionError(
            _("The description is too long (at most 5000 characters)."), code="description"
        )
    status = fields.get("status") or Council.Status.DRAFT
    if status not in Council.Status.values:
        raise ActionError(_("Unknown status."), code="status")
    panel_size = fields.get("panel_size")
    if not isinstance(panel_size, int) or not 1 <= panel_size <= 1000:
        raise ActionError(_("The panel has between 1 and 1000 seats."), code="panel_size")
    tolerance = fields.get("quota_tolerance", 1)
    if not isinstance(tolerance, int) or not 0 <= tolerance <= panel_size:
        raise ActionError(
            _("The tolerance is between 0 seats and the panel size."), code="quota_tolerance"
        )
    dates = {name: fields.get(name) for name in DATE_FIELDS}
    for name, value in dates.items():
        if value is not None and not isinstance(value, datetime.date):
            raise ActionError(_("Enter a date."), code=name)
    order = [dates[name] for name in DATE_FIELDS if dates[name] is not None]
    if order != sorted(order):
        raise ActionError(
            _(
                "The dates must follow each other: invitations, end of registration, panel "
                "draw, first and last session."
            ),
            code="registration_until",
        )
    deleted_on = fields.get("personal_data_deleted_on")
    if not isinstance(deleted_on, datetime.date):
        raise ActionError(
            _("Say on which date the personal data are deleted."), code="personal_data_deleted_on"
        )
    if order and deleted_on < order[-1]:
        raise ActionError(
            _("Personal data can only be deleted after the last date of the process."),
            code="personal_data_deleted_on",
        )
    return {
        "title": title,
        "question": question,
        "description": description,
        "status": status,
        "panel_size": panel_size,
        "quota_tolerance": tolerance,
        "personal_data_deleted_on": deleted_on,
        **dates,
    }


def create_council(*, organiser: User, consultation: Consultation, **fields: Any) -> Council:
    """Set up a citizens' council in a consultation; its creator becomes its first organiser.

    Who: council organisers (the site group) and admins (``consultations.add_council``) who
    see the consultation. ``fields``: title, question, description, status, panel_size,
    quota_tolerance, the timeline dates and personal_data_deleted_on. Writes the council, the
    creator's organiser role and one ``wagtail.create`` audit entry.
    """
    if not rules.has_perm("consultations.add_council", organiser, consultation):
        raise PermissionDenied()
    if consultation is None or not rules.has_perm(
        "consultations.view_consultation", organiser, consultation
    ):
        raise ActionError(_("Choose a consultation."), code="consultation")
    cleaned = _clean_council_fields(fields, has_categories=False)
    with transaction.atomic():
        council = Council.objects.create(consultation=consultation, **cleaned)
        CouncilOrganiser.objects.create(council=council, user=organiser)
        log(instance=council, action="wagtail.create", user=organiser, content_changed=True)
    _forget_organised(organiser)
    return council


def change_council(*, organiser: User, council: Council, **fields: Any) -> Council:
    """Change a council's description, size, tolerance or timeline. A new panel size or
    tolerance derives every value's seat limits again.

    Who: its organisers and admins (``consultations.change_council``). Writes the council
    (and the limits) and one ``wagtail.edit`` audit entry.
    """
    if not rules.has_perm("consultations.change_council", organiser, council):
        raise PermissionDenied()
    consultation = fields.pop("consultation", None)
    if consultation is not None and consultation.pk != council.consultation_id:
        raise ActionError(
            _("A council stays in its consultation: create a new council instead."),
            code="consultation",
        )
    cleaned = _clean_council_fields(fields, has_categories=True)
    with transaction.atomic():
        council = Council.objects.select_for_update().get(pk=council.pk)
        rederive = (cleaned["panel_size"], cleaned["quota_tolerance"]) != (
            council.panel_size,
            council.quota_tolerance,
        )
        for name, value in cleaned.items():
            setattr(council, name, value)
        council.save()
        if rederive:
            _derive_limits(council)
        log(instance=council, action="wagtail.edit", user=organiser, content_changed=True)
    return council


def delete_council(*, organiser: User, council: Council) -> Council:
    """Delete a council with everything it holds (stratification, register entries, the
    draw record).

    Who: its organisers and admins (``consultations.delete_council``). Writes the deletion
    and one ``wagtail.delete`` audit entry.
    """
    if not rules.has_perm("consultations.delete_council", organiser, council):
        raise PermissionDenied()
    with transaction.atomic():
        council = lock_for_deletion(council)
        return delete_logged(council, user=organiser)


# --- organisers --------------------------------------------------------------------------------


def _forget_organised(user) -> None:
    if hasattr(user, "_mitreden_organised_councils"):
        del user._mitreden_organised_councils


def grant_organiser(*, organiser: User, council: Council, user: User) -> CouncilOrganiser:
    """Make a person an organiser of this council. They must be in the "Council
    organisers" group (what lets them into the councils' admin) or an admin.

    Who: the council's organisers and admins (``consultations.organise_council``). Writes the
    role and one ``wagtail.create`` audit entry.
    """
    if not rules.has_perm("consultations.organise_council", organiser, council):
        raise PermissionDenied()
    if not user.is_active or user.deleted_at is not None:
        raise ActionError(_("This account can no longer be given a role."), code="user")
    if not (is_council_organiser(user) or is_admin(user)):
        raise ActionError(
            _("Only members of the group “Council organisers” can organise a council."),
            code="user",
        )
    try:
        with transaction.atomic():
            role = CouncilOrganiser.objects.create(council=council, user=user)
            log(instance=role, action="wagtail.create", user=organiser, content_changed=True)
    except IntegrityError as error:
        raise ActionError(_("This person already organises this council."), code="user") from error
    _forget_organised(user)
    return role


def revoke_organiser(*, organiser: User, role: CouncilOrganiser) -> CouncilOrganiser:
    """End a person's organiser role in a council (organisers may end their own). The last
    organiser stays: a council nobody organises could only be run by admins.

    Who: the council's organisers and admins (``consultations.organise_council``). Writes the
    deletion and one ``wagtail.delete`` audit entry.
    """
    if not rules.has_perm("consultations.organise_council", organiser, role.council):
        raise PermissionDenied()
    with transaction.atomic():
        Council.objects.select_for_update().get(pk=role.council_id)
        role = lock_for_deletion(role)
        if (
            not CouncilOrganiser.objects.filter(council_id=role.council_id)
            .exclude(pk=role.pk)
            .exists()
        ):
            raise ActionError(
                _("A council needs at least one organiser: add another one first."), code="last"
            )
        deleted = delete_logged(role, user=organiser)
    _forget_organised(role.user)
    return deleted


# --- stratification ----------------------------------------------------------------------------


def _clean_categories(categories: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if len(categories) > MAX_CATEGORIES:
        raise ActionError(
            _("At most %(max)s categories.") % {"max": MAX_CATEGORIES}, code="categories"
        )
    cleaned, names = [], set()
    for category in categories:
        name = clean_plain_text(category.get("name") or "")
        if not name or len(name) > 80:
            raise ActionError(
                _("Every category needs a name of at most 80 characters."), code="categories"
            )
        if name.casefold() in names:
            raise ActionError(
                _("The category “%(name)s” is there twice.") % {"name": name}, code="categories"
            )
        names.add(name.casefold())
        values, value_names = [], set()
        raw_values = category.get("values") or []
        if not raw_values:
            raise ActionError(
                _("The category “%(category)s” has no values.") % {"category": name},
                code="categories",
            )
        if len(raw_values) > MAX_VALUES:
            raise ActionError(
                _("At most %(max)s values per category.") % {"max": MAX_VALUES}, code="categories"
            )
        for value in raw_values:
            value_name = clean_plain_text(value.get("name") or "")
            if not value_name or len(value_name) > 80:
                raise ActionError(
                    _("Every value needs a name of at most 80 characters."), code="categories"
                )
            if value_name.casefold() in value_names:
                raise ActionError(
                    _("“%(value)s” is in “%(category)s” twice.")
                    % {"value": value_name, "category": name},
                    code="categories",
                )
            value_names.add(value_name.casefold())
            try:
                population = Decimal(str(value.get("population")))
            except ArithmeticError as error:
                raise ActionError(
                    _("“%(value)s” (%(category)s): enter the population as a number.")
                    % {"value": value_name, "category": name},
                    code="categories",
                ) from error
            if not population.is_finite() or population < 0 or population >= Decimal("1e9"):
                raise ActionError(
                    _("“%(value)s” (%(category)s): the population is a number from 0.")
                    % {"value": value_name, "category": name},
                    code="categories",
                )
            values.append({"name": value_name, "population": population.quantize(Decimal("0.001"))})
        if sum(value["population"] for value in values) <= 0:
            raise ActionError(
                _("The category “%(category)s” needs a population above zero.")
                % {"category": name},
                code="categories",
            )
        cleaned.append({"name": name, "values": values})
    return cleaned


def _derive_limits(council: Council) -> None:
    """Every value's seat limits from the population shares (``quotas.derive_limits``)."""
    for category in council.categories.prefetch_related("values"):
        values = list(category.values.all())
        limits = quotas.derive_limits(
            council.panel_size,
            {value.name: value.population for value in values},
            council.quota_tolerance,
        )
        for value in values:
            value.min_seats = limits[value.name].min_seats
            value.max_seats = limits[value.name].max_seats
        StratificationValue.objects.bulk_update(values, ["min_seats", "max_seats"])


def set_stratification(
    *, organiser: User, council: Council, categories: Sequence[Mapping[str, Any]]
) -> list[StratificationCategory]:
    """Make the council's categories exactly ``categories`` (each a name and a list of
    values with a name and a population: a share or a head count) and derive every value's
    seat limits from them.

    Who: its organisers and admins (``consultations.organise_council``). Writes the
    categories and values and one ``mitreden.council_stratification`` audit entry.
    """
    if not rules.has_perm("consultations.organise_council", organiser, council):
        raise PermissionDenied()
    cleaned = _clean_categories(categories)
    with transaction.atomic():
        council = Council.objects.select_for_update().get(pk=council.pk)
        council.categories.all().delete()
        for order, category in enumerate(cleaned):
            made = StratificationCategory.objects.create(
                council=council, name=category["name"], sort_order=order
            )
            StratificationValue.objects.bulk_create(
                StratificationValue(
                    category=made, name=value["name"], population=value["population"], sort_order=i
                )
                for i, value in enumerate(category["values"])
            )
        _derive_limits(council)
        log(
            instance=council,
            action="mitreden.council_stratification",
            user=organiser,
            data={"categories": [c["name"] for c in cleaned]},
        )
    return list(council.categories.all())


def import_statistics(
    *, organiser: User, council: Council, data: bytes, encoding: str = "utf-8"
) -> list[StratificationCategory]:
    """``set_stratification`` from a CSV file of town statistics (``category;value;
    population`` per line). Any bad line refuses the whole file (``FileRefused`` with every
    problem and its line number) and changes nothing.

    Who, what it writes: as ``set_stratification``.
    """
    if not rules.has_perm("consultations.organise_council", organiser, council):
        raise PermissionDenied()
    if len(data) > 1024 * 1024:
        raise FileRefused([(0, _("The file is too large (at most 1 MB)."))])
    try:
        rows = quotas.parse_statistics_csv(register.decode(data, encoding))
    except (quotas.StatisticsError, register.RegisterFileError) as error:
        raise FileRefused(error.errors) from error
    categories: dict[str, dict[str, Any]] = {}
    for row in rows:
        category = categories.setdefault(
            row.category.casefold(), {"name": row.category, "values": []}
        )
        category["values"].append({"name": row.value, "population": row.population})
    return set_stratification(
        organiser=organiser, council=council, categories=list(categories.values())
    )


# --- stage 1: the register extract and the invitation draw ------------------------------------


def import_register(
    *,
    organiser: User,
    council: Council,
    data: bytes,
    mapping: Mapping[str, str],
    encoding: str = "utf-8",
) -> int:
    """Read a register extract (CSV bytes, parsed in memory and never stored as a file) into
    the council's register entries. ``mapping`` names the file's column for name, address,
    birth year and (optionally) district. All or nothing: any bad row refuses the file
    (``FileRefused``, every problem with its line number). A council has one extract at a
    time and none after its invitation draw.

    Who: its organisers and admins (``consultations.organise_council``). Writes the entries
    and one ``mitreden.council_register_imported`` audit entry (the number of rows and the
    extract's hash, no personal data). Returns the number of entries.
    """
    if not rules.has_perm("consultations.organise_council", organiser, council):
        raise PermissionDenied()
    try:
        rows = register.parse_register(
            data, mapping, encoding=encoding, current_year=timezone.localdate().year
        )
    except register.RegisterFileError as error:
        raise FileRefused(error.errors) from error
    with transaction.atomic():
        council = Council.objects.select_for_update().get(pk=council.pk)
        if InvitationDraw.objects.filter(council=council).exists():
            raise ActionError(_("The invitations have been drawn already."), code="drawn")
        if council.register_entries.exists():
            raise ActionError(
                _("This council has a register extract already: delete it first."),
                code="exists",
            )
        RegisterEntry.objects.bulk_create(
            (
                RegisterEntry(
                    council=council,
                    line=row.line,
                    name=row.name,
                    address=row.address,
                    birth_year=row.birth_year,
                    district=row.district,
                )
                for row in rows
            ),
            batch_size=1000,
        )
        log(
            instance=council,
            action="mitreden.council_register_imported",
            user=organiser,
            data={
                "rows": len(rows),
                "extract_sha256": register.extract_sha256(row.canonical() for row in rows),
            },
        )
    return len(rows)


def delete_register(*, organiser: User, council: Council) -> int:
    """Delete every register entry of the council (once the letters are out). The draw's
    record (seed, algorithm, hash, counts) stays: it holds no personal data.

    Who: its organisers and admins (``consultations.organise_council``). Writes the deletion
    and one ``mitreden.council_register_deleted`` audit entry with the number deleted.
    """
    if not rules.has_perm("consultations.organise_council", organiser, council):
        raise PermissionDenied()
    with transaction.atomic():
        council = Council.objects.select_for_update().get(pk=council.pk)
        deleted, _by_model = RegisterEntry.objects.filter(council=council).delete()
        if not deleted:
            raise ActionError(_("This council has no register entries."), code="empty")
        log(
            instance=council,
            action="mitreden.council_register_deleted",
            user=organiser,
            data={"rows": deleted},
        )
    return deleted


def _clean_seed(seed: str | None) -> str:
    if seed is None:
        return secrets.token_hex(16)
    seed = seed.strip()
    if not 8 <= len(seed) <= 200 or not seed.isprintable():
        raise ActionError(
            _("The seed has 8 to 200 printable characters (or leave it empty)."), code="seed"
        )
    return seed


def draw_invitations(
    *,
    organiser: User,
    council: Council,
    invitations: int,
    seed: str | None = None,
    by_district: bool = False,
) -> InvitationDraw:
    """Draw who of the register extract is invited, by the rule
    ``consultations.sortition.invitations`` (docs/councils.md), once per council. Without a
    seed a random one (128 bits) is chosen; either way it is stored with the algorithm
    version and the extract's SHA-256, so the draw can be re-run on another copy.

    Who: its organisers and admins (``consultations.organise_council``). Writes the draw
    record, each invitee's place in the draw, and one ``mitreden.council_invitations_drawn``
    audit entry (seed, algorithm, hash, counts).
    """
    if not rules.has_perm("consultations.organise_council", organiser, council):
        raise PermissionDenied()
    seed = _clean_seed(seed)
    with transaction.atomic():
        council = Council.objects.select_for_update().get(pk=council.pk)
        if InvitationDraw.objects.filter(council=council).exists():
            raise ActionError(_("The invitations have been drawn already."), code="drawn")
        entries = list(council.register_entries.order_by("pk"))
        if not entries:
            raise ActionError(_("Import the register extract first."), code="empty")
        if not isinstance(invitations, int) or not 1 <= invitations <= len(entries):
            raise ActionError(
                _("Invite between 1 and %(max)s people (the rows of the extract).")
                % {"max": len(entries)},
                code="invitations",
            )
        candidates = [
            invitation_rule.Candidate(
                canonical=register.canonical_row(
                    entry.name, entry.address, entry.birth_year, entry.district
                ),
                district=register.normalise_field(entry.district),
            )
            for entry in entries
        ]
        chosen, per_district = invitation_rule.draw(
            seed, candidates, invitations, by_district=by_district
        )
        draw = InvitationDraw.objects.create(
            council=council,
            drawn_by=organiser,
            algorithm=invitation_rule.ALGORITHM,
            seed=seed,
            extract_sha256=register.extract_sha256(c.canonical for c in candidates),
            extract_rows=len(entries),
            invitations=invitations,
            stratified_by_district=by_district,
            per_district=per_district,
        )
        invited = []
        for rank, index in enumerate(chosen, start=1):
            entries[index].invitation_rank = rank
            invited.append(entries[index])
        RegisterEntry.objects.bulk_update(invited, ["invitation_rank"], batch_size=1000)
        log(
            instance=council,
            action="mitreden.council_invitations_drawn",
            user=organiser,
            data={
                "algorithm": draw.algorithm,
                "seed": seed,
                "extract_sha256": draw.extract_sha256,
                "rows": draw.extract_rows,
                "invitations": invitations,
                "by_district": by_district,
            },
        )
    return draw
