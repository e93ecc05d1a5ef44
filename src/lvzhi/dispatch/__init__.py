"""诉求派单: where a hotline request goes by the lists, and the pre-assessment of a dispute (退单)."""
