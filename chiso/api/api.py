"""The REST API (django-ninja): same services and access rules as the web."""

from ninja import NinjaAPI

api = NinjaAPI(title="chiso API", version="1", urls_namespace="api")
