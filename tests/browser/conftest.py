"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

The Playwright, Chromium and axe-core fixtures (`chromium`, `chromium_with_camera`,
`assert_accessible`, `wcag_violations`) live in tests/conftest.py, shared by every browser test.
"""
