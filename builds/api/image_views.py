"""The API's lineage: an image with its status, its ancestors up to the root, and its descendants."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from builds import lineage
from builds.api import lookups, params
from builds.api.image_serializers import ImageSerializer
from builds.api.schema import answers
from builds.image_status import statuses
from imagehub.roles import VIEW_BUILDS

MAX_DESCENDANTS = 1000


def _chain(pk: int) -> list:
    """Image `pk`'s ancestors from the root down, the image last; raises NotFound."""
    chain = lineage.ancestors(pk)
    if not chain:
        raise lookups.no_image(pk)
    return chain


class ImageDetail(APIView):
    required = {"GET": VIEW_BUILDS}

    @extend_schema(operation_id="getImage", summary="Read an image",
                   description="An image of the lineage (built by ImageHub or an external base image) with its "
                               "status: current, outdated (and why) or revoked (and why).",
                   responses=answers({200: ImageSerializer}, 404))
    def get(self, request, pk: int):
        chain = _chain(pk)
        judged = statuses({node.pk: node for node in chain})
        return Response(ImageSerializer(chain[-1], context={"statuses": judged}).data)


class ImageAncestors(APIView):
    required = {"GET": VIEW_BUILDS}

    @extend_schema(operation_id="listImageAncestors", summary="List an image's ancestors",
                   description="The images this one was built from, from the root (an external base image, "
                               "usually) down to its parent.",
                   responses=answers({200: ImageSerializer(many=True)}, 404))
    def get(self, request, pk: int):
        chain = _chain(pk)
        judged = statuses({node.pk: node for node in chain})
        return Response(ImageSerializer(chain[:-1], many=True, context={"statuses": judged}).data)


class ImageDescendants(APIView):
    required = {"GET": VIEW_BUILDS}

    @extend_schema(operation_id="listImageDescendants", summary="List an image's descendants",
                   description="The images built from this one at any depth, breadth first (children, then "
                               "grandchildren...), at most `limit`.",
                   parameters=[OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_DESCENDANTS},
                                                description="At most this many (default 200).")],
                   responses=answers({200: ImageSerializer(many=True)}, 400, 404))
    def get(self, request, pk: int):
        limit = params.integer(request, "limit", 200, 1, MAX_DESCENDANTS)
        chain = _chain(pk)
        below = lineage.descendants(pk, limit=limit)
        judged = statuses({node.pk: node for node in [*chain, *below]})
        return Response(ImageSerializer(below, many=True, context={"statuses": judged}).data)
