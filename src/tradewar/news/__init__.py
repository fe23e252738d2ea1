"""Reading news articles: claims, events, verdicts and the timeline (issue 5)."""
