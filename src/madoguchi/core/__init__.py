"""Cross-cutting pieces: health, rate limits, the event seam, logging hygiene, base templates."""
