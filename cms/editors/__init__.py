"""The editors' short way: one admin form that sets up a consultation with its phases,
modules and page (``views.NewConsultationView``, saving through ``cms.actions``), and the
slug widget that spells German titles the German way. Registered in ``cms/wagtail_hooks.py``.
"""
