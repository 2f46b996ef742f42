"""Stage 5: present findings (text for people, JSON for tools)."""
