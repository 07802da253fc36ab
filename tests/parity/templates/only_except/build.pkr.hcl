# Two sources in one build; provisioners and post-processors limited with
# only/except, and the builds selected with -only/-except.

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
  description = "A local directory for the post-processors' files."
}

source "null" "alpha" {
  ssh_host             = var.ssh_host
  ssh_port             = var.ssh_port
  ssh_username         = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = "10s"
}

source "null" "beta" {
  ssh_host             = var.ssh_host
  ssh_port             = var.ssh_port
  ssh_username         = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = "10s"
}

build {
  sources = ["source.null.alpha", "source.null.beta"]

  provisioner "shell" {
    inline = ["echo \"$PACKER_BUILD_NAME\" > ${var.remote_dir}/${source.name}.ran"]
  }

  provisioner "shell" {
    only   = ["null.alpha"]
    inline = ["echo only > ${var.remote_dir}/alpha-only"]
  }

  provisioner "shell" {
    except = ["null.alpha"]
    inline = ["echo except > ${var.remote_dir}/${source.name}.not-alpha"]
  }

  post-processor "shell-local" {
    only   = ["null.beta"]
    inline = ["echo \"$PACKER_BUILD_NAME\" > ${var.out_dir}/beta.post"]
  }

  post-processor "manifest" {
    name   = "record"
    output = "${var.out_dir}/manifest.json"
  }
}
