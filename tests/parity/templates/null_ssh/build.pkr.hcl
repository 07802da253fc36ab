# A null build over SSH: shell, file and shell-local provisioners, then
# manifest, checksum and compress post-processors over downloaded files.

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
  description = "A local directory for downloads and artifacts."
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
    environment_vars = ["GREETING=hello parity", "TARGET_DIR=${var.remote_dir}"]
    remote_folder    = var.remote_dir
    inline = [
      "mkdir -p \"$TARGET_DIR/etc\"",
      "printf '%s\\n' \"$GREETING\" > \"$TARGET_DIR/etc/greeting\"",
      "env | grep -E '^(GREETING|PACKER_BUILD_NAME|PACKER_BUILDER_TYPE)=' | sort > \"$TARGET_DIR/etc/env\"",
    ]
  }

  provisioner "file" {
    source      = "${path.root}/files/motd.txt"
    destination = "${var.remote_dir}/etc/motd"
  }

  provisioner "file" {
    source      = "${path.root}/files/conf.d"
    destination = "${var.remote_dir}/etc"
  }

  provisioner "shell" {
    script           = "${path.root}/scripts/configure.sh"
    remote_folder    = var.remote_dir
    environment_vars = ["MODE=0640"]
    execute_command  = "chmod +x {{ .Path }}; {{ .Vars }} {{ .Path }} '${var.remote_dir}'"
  }

  provisioner "file" {
    direction   = "download"
    source      = "${var.remote_dir}/report.txt"
    destination = "${var.out_dir}/report.txt"
  }

  provisioner "shell-local" {
    environment_vars = ["OUT_DIR=${var.out_dir}"]
    inline           = ["echo \"local side of $PACKER_BUILD_NAME\" > \"$OUT_DIR/local.txt\""]
  }

  post-processor "manifest" {
    output = "${var.out_dir}/manifest.json"
    custom_data = {
      purpose = "parity"
    }
  }

  post-processors {
    post-processor "artifice" {
      files = ["${var.out_dir}/report.txt", "${var.out_dir}/local.txt"]
    }
    post-processor "checksum" {
      checksum_types = ["sha256", "md5"]
      output         = "${var.out_dir}/files.{{.ChecksumType}}"
    }
  }

  post-processors {
    post-processor "artifice" {
      files = ["${var.out_dir}/report.txt", "${var.out_dir}/local.txt"]
    }
    post-processor "compress" {
      output              = "${var.out_dir}/files.tar.gz"
      keep_input_artifact = true
    }
    post-processor "manifest" {
      output = "${var.out_dir}/manifest.json"
    }
  }
}
