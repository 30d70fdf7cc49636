"""End-to-end tests in Debian's chromium, driven by Playwright."""
