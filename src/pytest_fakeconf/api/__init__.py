"""Twilio's wire format: plain request in, plain response out.

This package turns a transport-neutral :class:`~.messages.ApiRequest` into an
:class:`~.messages.ApiResponse` exactly as Twilio would answer it, errors
included. It calls the core and never imports ``responses``.
"""

from .app import Api
from .messages import ApiRequest, ApiResponse

__all__ = ["Api", "ApiRequest", "ApiResponse"]
