#!/usr/bin/env bash
# The VS Code suites as CI runs them, after `npm ci`: provisioning (idempotent, seconds when done),
# then the integration suites inside a real extension host and the Playwright end-to-end tests.
# Each suite builds what it needs and fails loudly if code-server or Chromium is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash scripts/ci/provision.sh
npm run test:integration
npm run test:e2e
