#!/usr/bin/env bash
# Builds a Debian base image locally with debootstrap, for machines that cannot pull images
# from a registry. The mirror is the one this machine's apt is configured with (read at run
# time), so no host name is written into the repository.
#
#   environments/bootstrap-base.sh [--force] [--image NAME] [--suite SUITE] [--mirror URL]
#
# Defaults: suite bookworm; image fixpoint/debian:SUITE (for bookworm without --suite:
# $FIXPOINT_BASE_IMAGE when set). `--suite bullseye` gives fixpoint/debian:bullseye (Python 3.9,
# the version SWE-bench runs most Python repositories on). Skips the build when the image
# already exists unless --force is given. Needs root (debootstrap) and a running Docker engine.
set -euo pipefail

image=""
suite=""
mirror=""
force=0

while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --image) image="$2"; shift ;;
    --suite) suite="$2"; shift ;;
    --mirror) mirror="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "bootstrap-base: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "$image" ]; then
  if [ -z "$suite" ]; then image="${FIXPOINT_BASE_IMAGE:-fixpoint/debian:bookworm}"; else image="fixpoint/debian:$suite"; fi
fi
suite="${suite:-bookworm}"

if ! docker info >/dev/null 2>&1; then
  echo "bootstrap-base: the Docker engine does not answer (start it: sudo dockerd &, or sudo systemctl start docker)" >&2
  exit 3
fi

if [ "$force" = 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "bootstrap-base: $image exists (use --force to rebuild)"
  exit 0
fi

# The first Debian mirror apt uses: deb822 sources first, then the one-line format.
find_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f"
  done | head -n1
  if [ -f /etc/apt/sources.list ]; then
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/) print $i; break } }' \
      /etc/apt/sources.list | head -n1
  fi
}

# The security mirror apt uses for SUITE-security (an active URIs:/deb line, never a comment),
# if the host's apt uses it: a mirror that serves the host's own release is known to be complete.
find_security() {
  local f want="$1-security"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822 stanzas: the URIs of a stanza whose Suites include SUITE-security.
    awk -v want="$want" '
      /^[[:space:]]*$/ { if (ok && uri != "") { print uri; exit } uri = ""; ok = 0; next }
      /^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /debian-security/) uri = $i }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == want) ok = 1 }
      END { if (ok && uri != "") print uri }' "$f"
  done
  if [ -f /etc/apt/sources.list ]; then
    awk -v want="$want" '$1 == "deb" { for (i = 2; i < NF; i++) if ($i ~ /^[a-z]+:\/\/.*debian-security/ && $(i + 1) == want) { print $i; break } }' \
      /etc/apt/sources.list
  fi
}

if [ -z "$mirror" ]; then
  mirror="$(find_mirror | head -n1)"
fi
if [ -z "$mirror" ]; then
  echo "bootstrap-base: no Debian mirror found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list (pass --mirror URL)" >&2
  exit 2
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  echo "bootstrap-base: debootstrap is not installed (apt-get install -y debootstrap)" >&2
  exit 3
fi

dir="$(mktemp -d /tmp/fixpoint-rootfs.XXXXXX)"
trap 'rm -rf "$dir"' EXIT

echo "bootstrap-base: debootstrap --variant=minbase $suite from $mirror"
debootstrap --variant=minbase "$suite" "$dir" "$mirror"

# Keep the image small and quiet like the official slim images: no apt caches, no docs.
rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb "$dir"/usr/share/doc/* \
  "$dir"/usr/share/man/* "$dir"/usr/share/info/*
cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$dir/etc/apt/apt.conf.d/90fixpoint"

# Point updates, and security updates when the host's apt uses them for this same release (a
# mirror may lack files of other releases' security archives: this machine's answers 404 for
# some of bullseye's). Releases since bullseye name them SUITE-updates and SUITE-security; others
# keep debootstrap's one line.
case "$suite" in
  bullseye|bookworm|trixie)
    security="$(find_security "$suite" | head -n1)"
    {
      echo "deb $mirror $suite main"
      echo "deb $mirror $suite-updates main"
      if [ -n "$security" ]; then echo "deb $security $suite-security main"; fi
    } >"$dir/etc/apt/sources.list"
    ;;
esac

tar -C "$dir" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["bash"]' \
  - "$image"
echo "bootstrap-base: built $image"
