"""The Unitree G1 (29 DoF): ``Tracking-G1-v0`` (filled in by the G1 work)."""
