#!/usr/bin/env bash
# Installs the nemospawn command from its distribution archive and puts it on PATH:
#
#   PREFIX/share/nemospawn/{bin/nemospawn,lib/nemospawn.jar}   the files (replaced as a whole)
#   PREFIX/bin/nemospawn -> ../share/nemospawn/bin/nemospawn   the command (a symbolic link)
#
# Usage: install.sh [--prefix DIR] [ARCHIVE]
#   --prefix DIR  where to install (default: ~/.local, so the command is ~/.local/bin/nemospawn)
#   ARCHIVE       nemospawn-VERSION-dist.tar.gz (default: the one ./mvnw package built in
#                 nemospawn-cli/target/, or the unpacked archive this script sits in)
#
# Needs a Java 17 or newer at run time (java on PATH, or JAVA_HOME). Uninstall: remove the two
# paths above.
set -euo pipefail

prefix="${HOME:?HOME is not set; give --prefix DIR}/.local"
archive=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }
      prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "install.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
    *) [ -z "$archive" ] || { echo "install.sh: one archive only, got '$archive' and '$1'" >&2; exit 2; }
      archive="$1"; shift ;;
  esac
done
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$archive" ]; then
  if [ -f "$here/lib/nemospawn.jar" ] && [ -f "$here/bin/nemospawn" ]; then
    src="$here"
  else
    shopt -s nullglob
    found=("$here"/../nemospawn-cli/target/nemospawn-*-dist.tar.gz)
    shopt -u nullglob
    if [ "${#found[@]}" -ne 1 ]; then
      echo "install.sh: no distribution archive given and ${#found[@]} found in" \
        "$(cd "$here/.." && pwd)/nemospawn-cli/target; build one with: ./mvnw -B -q package -DskipTests" \
        "(or pass the archive's path)" >&2
      exit 1
    fi
    archive="${found[0]}"
  fi
fi
if [ -n "$archive" ]; then
  if [ ! -f "$archive" ]; then
    echo "install.sh: archive '$archive' does not exist" >&2
    exit 1
  fi
  tar -xzf "$archive" -C "$work"
  shopt -s nullglob
  dirs=("$work"/nemospawn-*/)
  shopt -u nullglob
  if [ "${#dirs[@]}" -ne 1 ] || [ ! -f "${dirs[0]}lib/nemospawn.jar" ] || [ ! -f "${dirs[0]}bin/nemospawn" ]; then
    echo "install.sh: '$archive' is not a nemospawn distribution archive (no nemospawn-*/bin/nemospawn and lib/nemospawn.jar)" >&2
    exit 1
  fi
  src="${dirs[0]%/}"
fi

dest="$prefix/share/nemospawn"
mkdir -p "$prefix/bin" "$prefix/share"
# Copy next to the destination, then swap, so a failed copy leaves the old install whole.
staged="$dest.new.$$"
rm -rf "$staged"
mkdir -p "$staged/bin" "$staged/lib"
cp "$src/bin/nemospawn" "$staged/bin/nemospawn"
cp "$src/lib/nemospawn.jar" "$staged/lib/nemospawn.jar"
chmod 0755 "$staged/bin/nemospawn"
if [ -d "$dest" ]; then
  rm -rf "$dest.old.$$"
  mv "$dest" "$dest.old.$$"
fi
mv "$staged" "$dest"
rm -rf "$dest.old.$$"
ln -sfn "../share/nemospawn/bin/nemospawn" "$prefix/bin/nemospawn"

echo "Installed nemospawn in $dest; the command is $prefix/bin/nemospawn"
case ":${PATH:-}:" in
  *":$prefix/bin:"*) ;;
  *) echo "Add it to PATH: export PATH=\"$prefix/bin:\$PATH\" (e.g. in ~/.bashrc)" ;;
esac
if [ -z "${JAVA_HOME:-}" ] && ! command -v java >/dev/null 2>&1; then
  echo "Note: no java on PATH; nemospawn needs a Java 17 or newer (or JAVA_HOME)" >&2
fi
