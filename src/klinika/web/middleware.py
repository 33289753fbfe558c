from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Nothing a signed-in user or the API is shown stays in a browser's or a proxy's cache.

    So after logout the back button shows nothing from the cache. Static files never get here
    (WhiteNoise answers them earlier in the chain), so they stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = (user is not None and user.is_authenticated) or request.path_info.startswith("/api/")
        if personal and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)  # no-store, private, max-age=0 (and Expires)
        return response
