// A worker process for fault tests: the real worker, with an activity interceptor that holds the
// activities named in MOVE_TABLES_TEST_DELAY ("type:ms,type:ms:times:skip") before they run and says
// so on stdout, so a test can SIGKILL the process while that step is under way (`times`: only that
// many runs of the type are held; `skip`: after letting the first that many pass).
import { setTimeout as sleep } from 'node:timers/promises';
import { exitOnFailure, runWorkerProcess } from '../../worker/run-worker.js';

const delays = new Map(
  (process.env.MOVE_TABLES_TEST_DELAY ?? '')
    .split(',')
    .filter(Boolean)
    .map((spec) => {
      const [type, ms, times, skip] = spec.split(':');
      return [type!, { ms: Number(ms), left: times === undefined ? Infinity : Number(times), skip: Number(skip ?? 0) }];
    }),
);

runWorkerProcess({
  activity: [
    (ctx) => ({
      inbound: {
        async execute(input, next) {
          const delay = delays.get(ctx.info.activityType);
          if (delay && delay.skip > 0) delay.skip--;
          else if (delay && delay.left > 0) {
            delay.left--;
            process.stdout.write(`test-delay: ${ctx.info.activityType} held for ${delay.ms} ms\n`);
            await sleep(delay.ms);
          }
          return next(input);
        },
      },
    }),
  ],
}).catch(exitOnFailure);
