"""The short news story the extraction tests build their pages around."""

URL = "https://www.northport-gazette.example/news/2024/03/harbour"
PARAGRAPHS = (
    "The harbour authority said on Tuesday that work on the new sea wall would begin in the"
    " spring, two years later than first planned, after a review of the contract.",
    "Engineers found that the old wall had moved by several centimetres during the winter"
    " storms, and that repairs alone would no longer keep the quay safe for cargo ships.",
    "Local businesses, which depend on the ferry traffic, asked for the work to be done in"
    " stages so that at least one berth stays open throughout the summer season.",
    "A public meeting on the plans will be held at the town hall next month, the authority"
    " said, and the full engineering report will be published on its website.",
)
