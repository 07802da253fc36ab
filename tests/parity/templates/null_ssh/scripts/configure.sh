#!/bin/sh
# Records what the earlier provisioners left on the target, and sets a file mode from the environment.
set -eu
dir="$1"
printf 'configured by %s\n' "$PACKER_BUILDER_TYPE" > "$dir/etc/configured"
chmod "$MODE" "$dir/etc/configured"
{
  echo "greeting: $(cat "$dir/etc/greeting")"
  echo "motd: $(cat "$dir/etc/motd")"
  echo "hello: $("$dir/etc/conf.d/nested/hello.sh")"
  echo "user: $(id -un)"
} > "$dir/report.txt"
