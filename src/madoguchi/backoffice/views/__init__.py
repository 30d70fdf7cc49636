"""Staff pages. Every page but login requires a password and a verified second factor.

login (sign-in and the second factor), inbox (the list and bulk changes), submission
(one submission and its actions), statistics.
"""
