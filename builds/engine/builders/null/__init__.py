"""The ``null`` builder: connects to an existing machine and runs provisioners on it."""
