# A docker build that commits the provisioned container with Dockerfile
# changes, then tags the image.

variable "image" {
  type        = string
  description = "A local base image with a POSIX shell; it is not pulled."
}

variable "repository" {
  type        = string
  description = "The repository the committed image is tagged into."
}

variable "out_dir" {
  type        = string
  description = "A local directory for the manifest."
}

variable "exit_code" {
  type        = number
  default     = 0
  description = "The exit code of the last provisioner (non-zero to make the build fail)."
}

source "docker" "app" {
  image  = var.image
  commit = true
  pull   = false
  changes = [
    "ENV APP_MODE=parity",
    "LABEL org.imagehub.parity=yes",
    "WORKDIR /srv/app",
    "ENTRYPOINT [\"/bin/sh\", \"-c\"]",
    "CMD [\"cat /srv/app/motd\"]",
  ]
}

build {
  sources = ["source.docker.app"]

  provisioner "shell" {
    environment_vars = ["GREETING=hello container"]
    inline = [
      "mkdir -p /srv/app",
      "echo \"$GREETING\" > /srv/app/greeting",
      "chmod 640 /srv/app/greeting",
      "env | grep -E '^(GREETING|PACKER_BUILD_NAME|PACKER_BUILDER_TYPE)=' | sort > /srv/app/env",
    ]
  }

  provisioner "file" {
    source      = "${path.root}/files/motd.txt"
    destination = "/srv/app/motd"
  }

  provisioner "shell" {
    inline = ["id -un > /srv/app/user", "exit ${var.exit_code}"]
  }

  post-processors {
    post-processor "docker-tag" {
      repository = var.repository
      tags       = ["1.0", "latest"]
    }
    post-processor "manifest" {
      output = "${var.out_dir}/manifest.json"
    }
  }
}
