# An Ansible playbook run against the target over SSH, without Packer's proxy.

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

source "null" "target" {
  ssh_host             = var.ssh_host
  ssh_port             = var.ssh_port
  ssh_username         = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = "10s"
}

build {
  sources = ["source.null.target"]

  provisioner "ansible" {
    playbook_file = "${path.root}/playbook.yml"
    use_proxy     = false
    user          = var.ssh_username
    extra_arguments = [
      "--extra-vars", "remote_dir=${var.remote_dir} motd_text='built by ansible'",
      "--extra-vars", "ansible_python_interpreter=/usr/bin/python3",
    ]
    ansible_env_vars = [
      "ANSIBLE_HOST_KEY_CHECKING=False",
      "ANSIBLE_NOCOLOR=1",
      "ANSIBLE_PIPELINING=True",
      "PARITY_MARK=from the controller",
    ]
  }
}
