#!/bin/bash
# Stand-in for docker/podman: records its argv and environment like fake-ngc.sh. FAKE_UNAUTHORIZED:
# the push is refused as docker refuses it without a login; FAKE_NO_IMAGE: tag fails.
n=$(ls "$FAKE_DIR" | grep -c '^argv\.')
printf '%s\0' "$(basename "$0")" "$@" > "$FAKE_DIR/argv.$n"
env -0 > "$FAKE_DIR/env.$n"
case "$1" in
  tag)
    if [ -n "$FAKE_NO_IMAGE" ]; then
      echo "Error response from daemon: No such image: $2" >&2
      exit 1
    fi
    ;;
  push)
    echo "The push refers to repository [${2%:*}]"
    if [ -n "$FAKE_UNAUTHORIZED" ]; then
      echo "unauthorized: authentication required" >&2
      exit 1
    fi
    echo "01f1c15e33e7: Pushed"
    echo "${2##*:}: digest: sha256:7eb9230b4666a11c1d241c15cae5110a31c56e5befa1f7956e9a2639a4baabe0 size: 947"
    ;;
  *) echo "docker: '$1' is not a docker command." >&2; exit 1 ;;
esac
