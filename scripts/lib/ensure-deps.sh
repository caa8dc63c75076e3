# Sourced by scripts/test and scripts/demo: node modules, MariaDB server, temporal binary.
# Each step is skipped when already satisfied, so warm runs cost nothing.
if ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] < 20 ? 1 : 0)'; then
  echo "Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# MariaDB (apt, when root) and the temporal CLI (go install into .cache/bin), or a clear message.
npx tsx dev/stack/ensure-prereqs.ts ${MOVE_TABLES_BROWSER_TEST:+--browser}
