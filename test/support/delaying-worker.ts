// A worker process for fault tests: the real worker, with an activity interceptor that holds the
// activities named in MOVE_TABLES_TEST_DELAY ("type:ms,type:ms") before they run and says so on
// stdout, so a test can SIGKILL the process while that step is under way.
import { setTimeout as sleep } from 'node:timers/promises';
import { exitOnFailure, runWorkerProcess } from '../../worker/run-worker.js';

const delays = new Map(
  (process.env.MOVE_TABLES_TEST_DELAY ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [type, ms] = pair.split(':');
      return [type!, Number(ms)] as const;
    }),
);

runWorkerProcess({
  activity: [
    (ctx) => ({
      inbound: {
        async execute(input, next) {
          const ms = delays.get(ctx.info.activityType);
          if (ms) {
            process.stdout.write(`test-delay: ${ctx.info.activityType} held for ${ms} ms\n`);
            await sleep(ms);
          }
          return next(input);
        },
      },
    }),
  ],
}).catch(exitOnFailure);
