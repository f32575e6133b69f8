"""Twilio calling the application back: signed status callbacks and voice webhooks.

``signature`` signs like Twilio; ``delivery`` carries a request to a WSGI app
in-process (or over HTTP to a live server) and journals it, ``asgi`` to an ASGI app; ``callbacks``
turns the core's events into Twilio's status-callback parameters; ``twiml``
reads the TwiML an app answers a voice webhook with; ``voice`` runs it for each
call; ``alerts`` journals what Twilio's Debugger would show; ``dial_in`` places an
inbound call and joins ``<Dial><Conference>``.
"""
