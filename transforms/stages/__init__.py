"""Loading stages that run before the plan exists: vector guard, trim, scale-on-load."""
