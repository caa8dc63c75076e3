// `npm run stack -- up [--tls]|down|status|env|restart <part>`: the embedded local stack (source + target MariaDB,
// Temporal dev server with UI) under .cache/stack, started in the background.
import { localStackDir } from './paths.js';
import { MissingPrerequisiteError } from './prereqs.js';
import {
  choosePorts,
  downStack,
  LOCAL_STACK_PORTS,
  readStackState,
  restartStackPart,
  stackEnv,
  stackLiveness,
  upStack,
  type StackState,
} from './stack.js';

function describe(state: StackState): string {
  const alive = stackLiveness(state);
  const mark = (up: boolean) => (up ? 'running' : 'STOPPED');
  const { source, target } = state.servers;
  return [
    `source   MariaDB  127.0.0.1:${source.port}  pid ${source.pid}  ${mark(alive.source)}  (server-id 1, gtid domain 1)`,
    `target   MariaDB  127.0.0.1:${target.port}  pid ${target.pid}  ${mark(alive.target)}  (server-id 2, gtid domain 2)`,
    `temporal dev      ${state.temporal.address}  pid ${state.temporal.pid}  ${mark(alive.temporal)}  namespace ${state.temporal.namespace}`,
    `temporal UI       ${state.temporal.uiUrl ?? '(headless)'}`,
    `TLS               ${state.tls ? `required, client certificate too (CA ${state.tls.ca})` : 'off'}`,
    `clusters file     ${state.clustersFile}`,
    `data and logs     ${state.dir}`,
  ].join('\n');
}

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const state = await upStack({
        dir: localStackDir,
        detached: true,
        ports: await choosePorts(LOCAL_STACK_PORTS, true),
        tls: process.argv.includes('--tls'),
      });
      console.log(describe(state));
      return 0;
    }
    case 'down': {
      await downStack(localStackDir, { removeData: process.argv.includes('--purge') });
      console.log(`stack stopped${process.argv.includes('--purge') ? ' and its data removed' : ''}`);
      return 0;
    }
    case 'restart': {
      const part = process.argv[3];
      if (part !== 'source' && part !== 'target' && part !== 'temporal') {
        console.error('usage: npm run stack -- restart source|target|temporal');
        return 2;
      }
      console.log(describe(await restartStackPart(localStackDir, part)));
      return 0;
    }
    case 'status': {
      const state = readStackState(localStackDir);
      if (!state) {
        console.log('no local stack (run `npm run stack -- up`)');
        return 1;
      }
      console.log(describe(state));
      return Object.values(stackLiveness(state)).every(Boolean) ? 0 : 1;
    }
    case 'env': {
      const state = readStackState(localStackDir);
      if (!state) {
        console.error('no local stack (run `npm run stack -- up`)');
        return 1;
      }
      for (const [key, value] of Object.entries(stackEnv(state))) console.log(`export ${key}=${value}`);
      return 0;
    }
    default:
      console.error(
        'usage: npm run stack -- up [--tls] | down [--purge] | status | env | restart source|target|temporal',
      );
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof MissingPrerequisiteError ? `missing prerequisite: ${err.message}` : err);
    process.exit(1);
  },
);
