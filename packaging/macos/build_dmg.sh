#!/usr/bin/env bash
# macOS: the .app from the PyInstaller bundle, then a .dmg, signed and notarised when the
# signing identity and notary credentials are in the environment (the release workflow's secrets).
#   CODESIGN_IDENTITY   "Developer ID Application: … (TEAMID)"; unset: an unsigned build
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   notarytool's credentials; unset: not notarised
# Usage: bash packaging/macos/build_dmg.sh   (in an environment with the ui and package extras)
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON="${PYTHON:-python}"
version="$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
arch="$(uname -m)"
app="build/bundle/Campaign Studio.app"
dmg="dist/campaign-studio-${version}-macos-${arch}.dmg"

# The spec makes the .app (BUNDLE) and, with CODESIGN_IDENTITY, signs every binary in it with
# the hardened runtime and packaging/macos/entitlements.plist.
"$PYTHON" packaging/build.py bundle
"$app/Contents/MacOS/campaign-studio" --version
"$app/Contents/MacOS/campaign-studio" self-test

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
mkdir -p dist
rm -f "$dmg"
hdiutil create -volname "Campaign Studio" -srcfolder "$staging" -ov -format UDZO "$dmg"

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$dmg"
    if [ -n "${APPLE_ID:-}" ]; then
        xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
            --password "$APPLE_APP_PASSWORD" --wait
        xcrun stapler staple "$dmg"
    fi
fi
echo "$dmg"
