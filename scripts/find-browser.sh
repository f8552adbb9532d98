#!/usr/bin/env bash
# Print the path of a Chromium/Chrome executable on stdout (nothing else on stdout).
# Order: $CHROME_PATH, /usr/bin/chromium, /usr/bin/chromium-browser,
#        /usr/bin/google-chrome, /usr/bin/google-chrome-stable (then macOS Chrome).
# If none is found: on Debian as root, installs `chromium` with apt-get;
# otherwise exits 1 with a one-line message (on stderr) saying what to run.
set -euo pipefail

if [[ -n "${CHROME_PATH:-}" ]]; then
  if [[ -x "$CHROME_PATH" ]]; then
    echo "$CHROME_PATH"
    exit 0
  fi
  echo "find-browser: CHROME_PATH=$CHROME_PATH is not an executable file; fix or unset CHROME_PATH" >&2
  exit 1
fi

candidates=(
  /usr/bin/chromium
  /usr/bin/chromium-browser
  /usr/bin/google-chrome
  /usr/bin/google-chrome-stable
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
  "/Applications/Chromium.app/Contents/MacOS/Chromium"
)
for c in "${candidates[@]}"; do
  if [[ -x "$c" ]]; then
    echo "$c"
    exit 0
  fi
done

if [[ -f /etc/debian_version ]]; then
  if [[ "$(id -u)" == "0" ]]; then
    echo "find-browser: no Chromium found; installing with apt-get (Debian, root)..." >&2
    {
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q &&
        apt-get install -y -q --no-install-recommends chromium fonts-liberation
    } >&2 || {
      echo "find-browser: 'apt-get install -y chromium' failed; install Chrome/Chromium or set CHROME_PATH" >&2
      exit 1
    }
    if [[ -x /usr/bin/chromium ]]; then
      echo /usr/bin/chromium
      exit 0
    fi
    echo "find-browser: apt-get succeeded but /usr/bin/chromium is missing; install Chrome/Chromium or set CHROME_PATH" >&2
    exit 1
  fi
  echo "find-browser: no Chromium found; run: sudo apt-get install -y chromium   (or set CHROME_PATH)" >&2
  exit 1
fi

echo "find-browser: no Chromium/Chrome found; install Chrome or set CHROME_PATH" >&2
exit 1
