# A build whose second provisioner fails, with an error-cleanup-provisioner
# (Packer 1.6.6 cannot read that block in HCL, so only imagehub runs this one).

variable "ssh_host" {
  type = string
}

variable "ssh_port" {
  type = number
}

variable "ssh_username" {
  type = string
}

variable "ssh_private_key_file" {
  type = string
}

variable "remote_dir" {
  type        = string
  description = "An empty directory on the target, owned by ssh_username."
}

variable "out_dir" {
  type        = string
  description = "A local directory for the manifest, which a failed build never writes."
}

source "null" "target" {
  ssh_host             = var.ssh_host
  ssh_port             = var.ssh_port
  ssh_username         = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = "10s"
}

build {
  sources = ["source.null.target"]

  provisioner "shell" {
    inline = ["echo first > ${var.remote_dir}/first"]
  }

  provisioner "shell" {
    remote_folder = var.remote_dir
    remote_file   = "failing.sh"
    inline        = ["echo broken > ${var.remote_dir}/broken", "exit 7"]
  }

  provisioner "shell" {
    inline = ["echo never > ${var.remote_dir}/never"]
  }

  error-cleanup-provisioner "shell" {
    environment_vars = ["REASON=provisioning failed"]
    inline           = ["echo \"$REASON\" > ${var.remote_dir}/cleaned-up"]
  }

  post-processor "manifest" {
    output = "${var.out_dir}/manifest.json"
  }
}
