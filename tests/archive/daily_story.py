"""Two stories of the daily.example site the derived-template tests build their pages around
(a bridge closed to traffic, a harvest begun early), three paragraphs each."""

BRIDGE = [
    "The city council voted on Tuesday to close the old harbour bridge to heavy traffic after"
    " engineers found deep cracks in two of its supporting piers.",
    "Officials said buses would be diverted through the northern ring road while a full survey"
    " of the structure is carried out over the coming months.",
    "Local businesses on the waterfront warned that the closure would hurt deliveries, and"
    " asked the council to speed up the repairs before the summer season.",
]
HARVEST = [
    "Farmers in the valley began harvesting their grapes two weeks early this year after a"
    " long dry spell pushed the fruit to ripen ahead of schedule.",
    "Growers said the yield was smaller than usual but the quality was high, and several"
    " cooperatives expect a strong vintage despite the heat.",
    "The regional water authority has asked vineyards to limit irrigation to the early"
    " morning hours until the reservoirs recover from the drought.",
]
