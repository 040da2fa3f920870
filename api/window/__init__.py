"""Window intake (一窗受理): the unified form at the counter, materials checked against their review
points, 容缺 promises, and the receipt (issue 9 item 2)."""
