"""The editors' short way: one admin form that sets up a consultation with its phases,
modules and page (``views.NewConsultationView``, saving through ``cms.actions``). Registered
in ``cms/wagtail_hooks.py``; the German slug widget is ``cms.widgets``.
"""
