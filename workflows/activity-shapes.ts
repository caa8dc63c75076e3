// Every workflow step's activities, each bound to the one retry shape of its step: a step can call
// only the activities listed for it (`cutOverSteps(...).T1.awaitDrain` does not compile), and each
// shape is declared once, here. docs/cutover.md explains the choices.
import {
  ActivityCancellationType,
  proxyActivities,
  type ActivityFunction,
  type ActivityFunctionWithOptions,
  type ActivityInterfaceFor,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { MoveTablesActivities } from '../contract/activities.js';

type ActivityName = keyof MoveTablesActivities;
type Proxied = ActivityInterfaceFor<MoveTablesActivities>;

/** The named activities, and only those, proxied with `options`. */
function shaped<K extends ActivityName>(options: ActivityOptions, ...names: K[]): Pick<Proxied, K> {
  const proxy = proxyActivities<MoveTablesActivities>(options);
  return Object.fromEntries(names.map((name) => [name, proxy[name]])) as unknown as Pick<Proxied, K>;
}

/**
 * Runs `activity` in its step's shape with a one-line summary, shown on the UI's timeline (only
 * metadata: recorded histories replay with or without it).
 */
export function summarized<F extends ActivityFunction>(
  activity: ActivityFunctionWithOptions<F>,
  summary: string,
  ...args: Parameters<F>
): Promise<Awaited<ReturnType<F>>> {
  return activity.executeWithOptions({ summary }, args);
}

/** The copy returns after about this long, so the move can report progress and react to signals. */
export const COPY_SLICE_MS = 10_000;
/** How long one catch-up measurement may wait for the stream. */
export const LAG_MEASURE_TIMEOUT_MS = 30_000;

/** Checksum parity: read-only, long, retried (a move's verify phase, or the cutover's before-release check). */
export const verifyStep = shaped(
  { startToCloseTimeout: '24 hours', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 5 } },
  'verifyTables',
);

/**
 * A diff at one source position: read-only, one slice of at most `maxSnapshotSeconds` plus the time
 * to align its snapshots; a heartbeat per chunk (a retry goes on from the last one). Its failures
 * after 5 attempts reach the move, which holds for an operator rather than fail after its copy.
 */
export function diffStep(maxSnapshotSeconds: number) {
  return shaped(
    {
      startToCloseTimeout: (maxSnapshotSeconds + 300) * 1_000,
      heartbeatTimeout: '15 seconds',
      retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
    },
    'diffTables',
  );
}

/** The steps of `moveTables` around its stream and cutover children. */
export const moveSteps = {
  /** An aborted move's cleanup on the target: idempotent, retried. */
  discard: shaped({ startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 10 } }, 'discardTarget'),
  prepare: shaped({ startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 3 } }, 'prepareMove'),
  copy: {
    ...shaped(
      {
        startToCloseTimeout: COPY_SLICE_MS + 120_000,
        // Heartbeats come every chunk (or throttle wait): a lost copier is replaced within seconds.
        heartbeatTimeout: '10 seconds',
        retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
      },
      'copyRows',
    ),
    /**
     * The same slice, its failures handed to the workflow after 3 attempts, which shows them in
     * `status` and tries again with the chunk size of the moment (moves from before retry forever
     * unseen, above).
     */
    reported: shaped(
      {
        startToCloseTimeout: COPY_SLICE_MS + 120_000,
        heartbeatTimeout: '10 seconds',
        retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
      },
      'copyRows',
    ),
    /** Read-only: a walk of the key index (two when the estimate was far too high), a heartbeat per candidate. */
    ...shaped(
      { startToCloseTimeout: '30 minutes', heartbeatTimeout: '2 minutes', retry: { maximumAttempts: 5 } },
      'planCopyRanges',
    ),
    /**
     * The deferred keys' ALTERs: as long as the build takes, a heartbeat a second; idempotent (a retry
     * waits out a lost worker's ALTER on the server, then adds what is missing), so retried until done,
     * as the copy is: failing here would end a move whose rows are all copied.
     */
    ...shaped(
      {
        startToCloseTimeout: '7 days',
        heartbeatTimeout: '30 seconds',
        retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
      },
      'addDeferredKeys',
    ),
  },
  catchUp: shaped(
    {
      startToCloseTimeout: LAG_MEASURE_TIMEOUT_MS + 30_000,
      heartbeatTimeout: '10 seconds',
      retry: { maximumAttempts: 10 },
    },
    'measureStreamLag',
  ),
  verify: verifyStep,
};

/** A move watching its stream around the cutover (`status` shows what it sees): cheap, read-only. */
export const observeStep = shaped(
  { startToCloseTimeout: '20 seconds', retry: { maximumAttempts: 2 } },
  'observeStream',
);

/** How long one watch of the stream may wait for a change before it reports anyway. */
export const WATCH_MAX_WAIT_MS = 60 * 60_000;

/** The same look, held until something an operator acts on changes (a long poll, heartbeating). */
export const watchStep = shaped(
  {
    startToCloseTimeout: WATCH_MAX_WAIT_MS + 60_000,
    heartbeatTimeout: '30 seconds',
    retry: { maximumAttempts: 3 },
  },
  'watchStream',
);

/** Reads of the source, and changes made only after reading it: retried. T1's inspection, T2, the compensation. */
function sourceStateOptions(lockWaitTimeoutSeconds: number): ActivityOptions {
  return {
    startToCloseTimeout: (lockWaitTimeoutSeconds + 90) * 1_000,
    heartbeatTimeout: '5 seconds',
    retry: { maximumAttempts: 10, initialInterval: '1 second' },
  };
}

/** Whether T4 took effect, before anything is undone: read-only, retried. */
const FLAG_READ: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 20, initialInterval: '500 milliseconds' },
};

/** The cutover-complete flag, and the target position T4 read with it (where a reverse stream starts). */
export const flagStep = shaped(FLAG_READ, 'readCutOverFlag');

/** A completed reversible move's standby tables, when asked: idempotent, retried. */
export const dropStandbyStep = shaped(
  { startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 10 } },
  'dropStandbyTables',
);

/** A reversible move's stream starting a new leg after a switch: idempotent, retried. */
export const restartStep = shaped(
  { startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 20 } },
  'restartStream',
);

/**
 * A move's own look at the source between attempts: what a failed attempt left, renaming back from
 * a hold, and the flag that says a rename-back is no longer right.
 */
export function moveSourceSteps(lockWaitTimeoutSeconds: number) {
  return {
    inspect: shaped(sourceStateOptions(lockWaitTimeoutSeconds), 'inspectRename'),
    compensate: shaped(sourceStateOptions(lockWaitTimeoutSeconds), 'renameBack'),
    flag: flagStep,
  };
}

/** The stream of `streamTables`. */
export const streamStep = shaped(
  {
    // Runs for the whole move; a lost worker is noticed by the heartbeat and the stream resumes
    // elsewhere from the position stored on the target.
    startToCloseTimeout: '30 days',
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
    // A cancelled stream reports cancelled only once it has stopped applying.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  },
  'streamChanges',
);

/** `describeClusters`: read-only, a few attempts; an unknown name fails at once. */
export const describeStep = shaped(
  { startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['UnknownCluster'] } },
  'describeCluster',
);

export interface CutOverTimeouts {
  lockWaitTimeoutSeconds: number;
  drainTimeoutMs: number;
  hookTimeoutMs: number;
  maxStreamLagMs: number;
}

/** The steps of `cutOver`; their timeouts follow the cutover's input. */
export function cutOverSteps({
  lockWaitTimeoutSeconds,
  drainTimeoutMs,
  hookTimeoutMs,
  maxStreamLagMs,
}: CutOverTimeouts) {
  const sourceState = sourceStateOptions(lockWaitTimeoutSeconds);
  return {
    validate: shaped({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3 } }, 'validateCutOver'),
    /** The gate's, T0's, T5's and on-failure's hooks have side effects (notifications, routing flips): never run twice. */
    hooks: shaped(
      { startToCloseTimeout: hookTimeoutMs + 30_000, heartbeatTimeout: '5 seconds', retry: { maximumAttempts: 1 } },
      'runHooks',
    ),
    /** Read-only; NotReady is final for the attempt. */
    ready: shaped(
      { startToCloseTimeout: maxStreamLagMs + 60_000, heartbeatTimeout: '10 seconds', retry: { maximumAttempts: 3 } },
      'checkReadiness',
    ),
    /** No retry: a lost outcome is settled by `inspectT1`, never by a second RENAME. */
    T1: shaped(
      {
        startToCloseTimeout: (lockWaitTimeoutSeconds + 30) * 1_000,
        heartbeatTimeout: '5 seconds',
        retry: { maximumAttempts: 1 },
      },
      'renameSourceTables',
    ),
    inspectT1: shaped(sourceState, 'inspectRename'),
    T2: shaped(sourceState, 'captureDrainGtid'),
    /** Heartbeats every poll; the timeout counts from the first attempt, so retries do not extend it. */
    T3: shaped(
      {
        startToCloseTimeout: drainTimeoutMs + 30_000,
        scheduleToCloseTimeout: drainTimeoutMs + 120_000,
        heartbeatTimeout: '5 seconds',
        retry: { initialInterval: '100 milliseconds', maximumInterval: '1 second' },
      },
      'awaitDrain',
    ),
    /** Idempotent: retried. */
    T4: shaped(
      {
        startToCloseTimeout: '30 seconds',
        heartbeatTimeout: '5 seconds',
        retry: { maximumAttempts: 20, initialInterval: '500 milliseconds' },
      },
      'setCutOverComplete',
    ),
    flag: shaped(FLAG_READ, 'readCutOverFlag'),
    compensate: shaped(sourceState, 'renameBack'),
    /** Past T4: retried until it succeeds (neither side takes writes meanwhile), each attempt inspecting first. */
    placeTarget: shaped(
      { ...sourceState, retry: { initialInterval: '1 second', maximumInterval: '30 seconds' } },
      'renameBack',
    ),
    verify: verifyStep,
  };
}
