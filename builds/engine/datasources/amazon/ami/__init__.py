"""The ``amazon-ami`` data source: finds one AMI by filters and owners."""
