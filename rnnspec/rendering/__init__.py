"""Layer 8, rendering: what a run and the registry look like. ``report`` (a verify run on the
terminal, as JSON and as one HTML page), ``html_page`` (the one HTML helper), ``spec_tables``
(``rnnspec spec``), ``experiments`` and ``explain`` (the lecture's figures, computed).
"""
