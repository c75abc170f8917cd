"""The guidance editor's workbench: staff-only pages outside the admin, in the admin's look.

views.py holds the pages, urls.py routes them (mounted at /workbench/, namespace
"workbench", by mastoweb/urls.py, which adds cases' "try a case" and "impact"
pages from cases/workbench.py: they read cases, and guidance may not import cases).
"""
