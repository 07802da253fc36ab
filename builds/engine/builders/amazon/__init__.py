"""The Amazon EC2 builders (github.com/hashicorp/amazon)."""
