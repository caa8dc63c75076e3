# Sourced with the repository as the working directory: compiles to dist/ (tsc, then the workflow
# bundle) when dist/ is missing or older than a source file, so the shipped entry points always run
# the code of this checkout.
if [ ! -d node_modules ]; then
  echo "node modules are missing: run npm ci in $(pwd)" >&2
  exit 1
fi
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find contract workflows activities worker client package-lock.json tsconfig.json tsconfig.build.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  rm -rf dist
  node_modules/.bin/tsc -p tsconfig.build.json
  node dist/worker/build-bundle.js >/dev/null
  touch "$stamp"
fi
