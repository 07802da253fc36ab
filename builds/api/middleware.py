"""Requests under /api/ resolve against the API's own URLconf, so the dashboard never loads the API.

Django REST framework and drf-spectacular take most of a second of CPU to
import. The dashboard's URLconf (ROOT_URLCONF) does not include the API:
this middleware sets `request.urlconf` to `builds.api.root_urls` for paths
under /api/, and that URLconf is imported on the first such request. The
dashboard's pages, system checks and worker processes never import DRF.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

API_PREFIX = "/api/"
API_URLCONF = "builds.api.root_urls"


class ApiUrlconfMiddleware:
    """Points requests under /api/ at the API's URLconf; a dashboard request passes untouched."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            request.urlconf = API_URLCONF
        if iscoroutinefunction(self):
            return self._acall(request)
        return self.get_response(request)

    async def _acall(self, request):
        return await self.get_response(request)
