"""What the amazon builders share: settings, the steps of an EC2 build, and helpers for tags, waits and the ledger."""
