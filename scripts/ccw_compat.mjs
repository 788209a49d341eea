// Drives CCW's own built code (its session manager and dashboard readers) in the
// current directory and prints what it sees as one JSON document.
// Usage: node ccw_compat.mjs CCW_CHECKOUT OPERATION [SESSION_ID] [DESCRIPTION]
//   OPERATION: list | stats | init | archive | dashboard
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [checkout, operation, sessionId, description] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(join(checkout, 'ccw', 'dist', path)).href);

async function main() {
  const manager = await load('tools/session-manager.js');
  if (operation === 'dashboard') {
    const scanner = await load('core/session-scanner.js');
    const aggregator = await load('core/data-aggregator.js');
    const workflow = join(process.cwd(), '.workflow');
    const sessions = await scanner.scanSessions(workflow);
    const overview = aggregator.loadProjectOverview(workflow);
    return {
      active: sessions.active.map((s) => s.session_id ?? s.id),
      archived: sessions.archived.map((s) => s.session_id ?? s.id),
      developmentIndex: overview?.developmentIndex ?? null,
    };
  }
  const params = { operation };
  if (operation === 'list') params.include_metadata = true;
  if (sessionId) params.session_id = sessionId;
  if (operation === 'init') {
    params.metadata = { type: 'workflow', status: 'planning', description };
  }
  return manager.handler(params);
}

// CCW logs progress on stdout; only this script's JSON goes there.
const print = console.log;
console.log = () => {};
console.warn = () => {};
main().then(
  (out) => print(JSON.stringify(out, null, 2)),
  (err) => { console.error(err); process.exit(1); },
);
