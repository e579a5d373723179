"""Security headers Django does not set by itself.

Content-Security-Policy: scripts only from our own origin (ES modules under /static/js/,
no inline scripts, no eval, no CDN); fetch only to our own origin; no plugins, no
framing, forms post only to us. Styles: stylesheets only from our own origin
(`style-src-elem 'self'`), while style *attributes* are allowed (`style-src-attr
'unsafe-inline'`): the templates pass colours and depths as custom properties, e.g.
`style="--swatch: #d1495b"`, and the code tree uses `--depth`. An attribute cannot load
anything or run script; inline <style> elements stay forbidden. Browsers without CSP
level 3 fall back to `style-src`, which therefore allows inline styles too.

Pages of signed-in users are confidential research data: they are not stored by shared
caches or the browser's disk cache (`Cache-Control: private, no-store`) unless a view
set its own caching.
"""
from django.conf import settings

DEFAULT_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "style-src-elem 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CASECODER_CSP", DEFAULT_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-store"
        return response
