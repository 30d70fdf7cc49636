"""The no-code form builder's pages (staff area, /staff/forms/).

Server-rendered, one page per draft; every change is a POST followed by a redirect
(PRG), so it works without JavaScript and the browser's back button never re-posts.
builder.js only adds drag-and-drop, which posts the same move action as the buttons.
"""
