"""Data sources: plugins that fetch values (an AMI id, a parameter) for a template to use."""
