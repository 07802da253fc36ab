"""The ``amazon-ebs`` builder: launches an EC2 instance, provisions it and creates an EBS-backed AMI."""
