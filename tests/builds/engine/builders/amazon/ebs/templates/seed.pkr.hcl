variable "endpoint" { type = string }
variable "ssh_port" { type = number }
variable "ssh_username" { type = string }

source "amazon-ebs" "web" {
  ami_name                   = "web-{{timestamp}}"
  region                     = "us-east-1"
  instance_type              = "t2.micro"
  source_ami                 = "ami-1e749f67"
  ssh_username               = var.ssh_username
  ssh_host                   = "127.0.0.1"
  ssh_port                   = var.ssh_port
  custom_endpoint_ec2        = var.endpoint
  skip_credential_validation = true
  tags = {
    Name = "web"
    Base = "{{ .SourceAMI }}"
  }
}

build {
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {
    inline = ["echo installing the web service", "echo enabling the web service"]
  }

  post-processors {
    post-processor "vagrant" {}
    post-processor "compress" {}
  }
}
