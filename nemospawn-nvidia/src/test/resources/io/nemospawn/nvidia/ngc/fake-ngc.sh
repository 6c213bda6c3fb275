#!/bin/bash
# Stand-in for NVIDIA's ngc CLI: records its argv (NUL-separated) and environment, then prints
# what the documented commands print (shapes from the NGC CLI user guide). FAKE_DIR: where to
# record; FAKE_EXIT: exit with this code after printing an error; FAKE_NO_CONFIG: no saved key;
# FAKE_LEAK: echo the API key (to check that callers mask it).
n=$(ls "$FAKE_DIR" | grep -c '^argv\.')
printf '%s\0' "$(basename "$0")" "$@" > "$FAKE_DIR/argv.$n"
env -0 > "$FAKE_DIR/env.$n"
if [ -n "$FAKE_LEAK" ]; then echo "debug: using key $NGC_CLI_API_KEY"; fi
if [ -n "$FAKE_EXIT" ]; then
  echo "Error: Invalid org. Choose from ['nvidia', 'example_org']" >&2
  exit "$FAKE_EXIT"
fi
if [ -n "$FAKE_NO_CONFIG" ] && [ -z "$NGC_CLI_API_KEY" ] && [ "$1" != config ]; then
  echo "Error: Missing API key and missing Email Authentication. This command requires SSO or API key authentication." >&2
  exit 1
fi
case "$1 $2 $3" in
  "config current "*)
    if [ -n "$FAKE_NO_CONFIG" ] && [ -z "$NGC_CLI_API_KEY" ]; then
      echo "Error: Missing API key and missing Email Authentication. This command requires SSO or API key authentication." >&2
      exit 1
    fi
    echo "+-------------+----------------------------------------------------------------------------------+---------------+"
    echo "| key         | value                                                                            | source        |"
    echo "+-------------+----------------------------------------------------------------------------------+---------------+"
    if [ -z "$FAKE_NO_CONFIG" ]; then
    echo "| apikey      | ********************************************************************************ZmQ1 | user settings |"
    fi
    echo "| format_type | ascii                                                                            | user settings |"
    echo "| org         | example_org                                                                      | user settings |"
    echo "| team        | no-team                                                                          | user settings |"
    echo "+-------------+----------------------------------------------------------------------------------+---------------+"
    ;;
  "registry model list")
    echo "+-----------------+-----------------------------+----------------+-------------+-----------+-----------+-----------------+------------+"
    echo "| Name            | Repository                  | Latest Version | Application | Framework | Precision | Last Modified   | Permission |"
    echo "+-----------------+-----------------------------+----------------+-------------+-----------+-----------+-----------------+------------+"
    echo "| Megatron GPT    | $4 | 1              | Other       | NeMo      | BF16      | Nov 28, 2025    | unlocked   |"
    echo "+-----------------+-----------------------------+----------------+-------------+-----------+-----------+-----------------+------------+"
    ;;
  "registry model download-version")
    target="$4"; dest="$PWD"
    if [ "$5" = "--dest" ]; then dest="$6"; fi
    model="${target##*/}"; name="${model%%:*}"; version="${model##*:}"
    out="$dest/${name}_v${version}"
    mkdir -p "$out" && echo "weights" > "$out/model.nemo"
    echo "Getting files to download..."
    echo "----------------------------------------------------"
    echo "Transfer id: ${name}_v${version}"
    echo "Download status: Completed"
    echo "Downloaded local path: $out"
    echo "Total files downloaded: 1"
    echo "Total downloaded size: 8 B"
    echo "Started at: 2026-12-03 15:13:32.119121"
    echo "Completed at: 2026-12-03 15:13:33.129846"
    echo "Duration taken: 1s"
    echo "----------------------------------------------------"
    ;;
  "registry model upload-version")
    echo "Uploaded 8 B, 1/1 files in 1s, Avg Upload speed: 8 B/s, Curr Upload Speed: 8 B/s"
    echo "----------------------------------------------------"
    echo "Model ID: ${4##*/}"
    echo "Upload status: Completed"
    echo "Uploaded local path (model): $6"
    echo "Total files uploaded: 1"
    echo "Total transferred: 8 B"
    echo "----------------------------------------------------"
    ;;
  *)
    echo "ngc: error: argument: invalid choice: '$1'" >&2
    exit 2
    ;;
esac
