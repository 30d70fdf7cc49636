"""Staff side: login with a second factor, inbox and submission detail."""
