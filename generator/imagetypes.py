"""What kind of image a provider sent: providers answer JPEG or PNG."""

from typing import NamedTuple


class ImageType(NamedTuple):
    extension: str
    mime: str


JPEG = ImageType("jpg", "image/jpeg")
PNG = ImageType("png", "image/png")


def image_type(data: bytes) -> ImageType:
    """JPEG by its magic number, PNG otherwise (the only other type the
    providers return)."""
    return JPEG if data[:3] == b"\xff\xd8\xff" else PNG
