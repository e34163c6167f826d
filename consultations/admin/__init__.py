"""The participation objects in the Wagtail admin, grouped under "Participation".

They are registered as snippets so pages can choose them (``SnippetChooserBlock`` for the
consultation teaser). Their create and edit views only parse the form: saving calls the
action (``views.SavedThroughActionMixin``; consultations with their phases, discussions,
roles, topics, districts, the word list), which checks the named rule, validates (a refusal
shows on the form, nothing is written), writes Wagtail's audit log entry and broadcasts, as it
does for the site, the demo loader and scripts. Deleting, one at a time or in bulk, goes
through the delete actions the same way (``views.DeletedThroughActionView``,
``views.DeleteThroughActionsBulkAction``).

Who may list, add, change, delete or inspect them is decided by the named rules alone
(``permissions.RulesPermissionPolicy`` asks ``consultations.<action>_<model>``; superusers
get what the rules say), so the "Participation" menu, the views and the actions agree.
Django model permissions of our app are not read.

The results statement is not an ordinary field: it is published through the
``publish_results`` action (which records the time and tells everybody watching), from its
own admin view linked from the consultation listing.

Moderation lives mostly on the public site (the queue at ``/moderation/``, linked from this
menu for moderators). Here staff keep the word list, see blocks and lift them (through the
``lift_block`` action) and read the moderation decisions. Blocks and decisions are written
only by actions, so their admin is read-only (they have only ``view_`` rules: adding,
changing and deleting them is refused, to superusers too).

One module per job: ``viewsets`` (listings and edit forms), ``choosers`` (the person chooser),
``filters`` and ``columns`` (what the listings filter and show), ``forms``, ``views`` (the views
of our own, around actions), ``buttons`` and ``menus``, ``permissions``, ``urls``.
``consultations/wagtail_hooks.py`` only registers them with Wagtail.

This package imports nothing on purpose: Django's admin imports every app's ``admin`` module
at start-up, long before Wagtail reads its hooks.
"""
