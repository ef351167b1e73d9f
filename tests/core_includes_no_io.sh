#!/bin/sh
# The core is buffer-only: it must not include socket, file-descriptor, or clock headers.
set -eu
dir=$1
bad=$(grep -nE '#[[:space:]]*include[[:space:]]*<(sys/socket\.h|sys/types\.h|netinet/[^>]*|arpa/[^>]*|netdb\.h|unistd\.h|fcntl\.h|poll\.h|sys/poll\.h|time\.h|sys/time\.h|pthread\.h|dirent\.h|sys/stat\.h)>' "$dir"/*.c "$dir"/*.h || true)
bad2=$(grep -nE '\b(fopen|open|read|write|socket|time|clock_gettime|gettimeofday|getenv)[[:space:]]*\(' "$dir"/*.c | grep -vE '^\S+:[0-9]+:\s*(/\*|\*|//)' | grep -vE '(->|\.|_)(read|write|open|time)\s*\(' || true)
if [ -n "$bad$bad2" ]; then
  echo "core/ must not do I/O or read clocks/environment:"
  printf '%s\n%s\n' "$bad" "$bad2"
  exit 1
fi
echo "core/ includes no I/O or clock headers"
