"""Policy packs: the programme's rules as versioned data (loader.py and call_policy.py import no Django)."""
