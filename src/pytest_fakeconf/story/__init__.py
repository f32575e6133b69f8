"""What a fake saw, told as a story: :mod:`.model` builds it from the journals,
:mod:`.text` renders it for a terminal (the ``fakeconf story`` report section),
:mod:`.page_view` shapes it for the live page (``GET /_fakeconf/story``).

Nothing here is imported until a story is asked for.
"""
