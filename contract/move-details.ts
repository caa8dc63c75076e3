// What the Temporal UI shows of a move at a glance ("Current details", set by the workflow itself):
// what moves where, the phase, progress, the stream and the next action an operator can take.
// Pure text from workflow state, so moves started from the UI form, the Temporal CLI, our CLI or
// a parent workflow all read the same. Markdown: a headline, then one bullet per fact (the UI
// renders it; raw, it reads as plain lines). The UI shows about five lines without scrolling.
import type { CutOverResult, CutOverStatus } from './cutover.js';
import type { MoveStatus, MoveTablesResult } from './move.js';
import type { MovedTables } from './tables.js';

/** `1234567` → `1,234,567` (no Intl: the same text on every worker). */
export function thousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A markdown code span: table names may hold `_`, `*` or backticks, which must not format. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * `shop.orders, shop.items source → target`: the static summary our starters set, and (names as
 * code spans) the details' headline.
 */
export function moveSummary(
  tables: Pick<MovedTables, 'source' | 'target' | 'database' | 'tables'>,
  name: (qualified: string) => string = (qualified) => qualified,
): string {
  return `${tables.tables.map((t) => name(`${tables.database}.${t}`)).join(', ')} ${tables.source} → ${tables.target}`;
}

/** The copy's last part, while it runs: the secondary keys it left out of the load being built. */
export function deferredKeysText(status: MoveStatus): string | undefined {
  const keys = status.deferredKeys;
  return keys?.state === 'adding'
    ? `building the ${keys.keys} secondary key(s) the copy deferred, on ${keys.tables} table(s)`
    : undefined;
}

function copyLine(status: MoveStatus): string {
  const estimated = Math.max(status.estimatedRows, status.rowsCopied);
  const percent = estimated > 0 ? Math.floor((status.rowsCopied / estimated) * 100) : 100;
  const line = `rows copied: ${thousands(status.rowsCopied)} of ~${thousands(estimated)} (${percent}%)`;
  const keys = deferredKeysText(status);
  if (keys) return `${line} · ${keys}`;
  if (status.phase !== 'copy') return line;
  const eta = status.etaSeconds === undefined ? '' : ` · ETA ${status.etaSeconds} s`;
  return `${line} · ${thousands(status.rowsPerSecond)} rows/s${eta}`;
}

function streamLine(status: MoveStatus): string | undefined {
  if (status.stream?.lastError) return `stream FAILING (attempt ${status.stream.attempt}): ${status.stream.lastError}`;
  const parts = [
    ...(status.streamLagMs === undefined ? [] : [`lag ${thousands(status.streamLagMs)} ms`]),
    ...(status.appliedGtid ? [`applied ${status.appliedGtid}`] : []),
  ];
  return parts.length ? `stream: ${parts.join(' · ')}` : undefined;
}

/** A reversible move after its cutover: the live side and how current the standby side is kept. */
export function standbyText(status: MoveStatus): string | undefined {
  const standby = status.standby;
  if (!standby) return undefined;
  const stream = standby.stream;
  const health = stream?.lastError
    ? `standby stream FAILING (attempt ${stream.attempt}): ${stream.lastError}`
    : [
        'standby stream',
        ...(stream?.lagMs === undefined ? [] : [`lag ${thousands(stream.lagMs)} ms`]),
        `applied ${stream?.appliedPosition ?? standby.startPosition}`,
      ].join(' · ');
  return `live on the ${status.liveSide}, the ${standby.side} kept current: ${health}`;
}

/** What a reversible move after its cutover can be asked to do now. */
export function afterCutOverActions(status: MoveStatus): string | undefined {
  if (!status.standby) return undefined;
  const when = `completes by itself at ${status.standby.completeAt}`;
  if (status.phase === 'on-target')
    return `the application is on the target: send signal revertCutOver to switch it back, completeMove to finish (${when})`;
  if (status.phase === 'on-source')
    return `reverted, the application is on the source: send signal releaseCutOver to cut over again, completeMove to finish (${when})`;
  return undefined;
}

/** The comparison at one source position (before the cutover, or `verifyMove`): progress, or what it found. */
export function verificationText(status: MoveStatus): string | undefined {
  const v = status.verification;
  if (!v) return undefined;
  const what = v.trigger === 'before-cutover' ? 'verification before the cutover' : `verifyMove (${v.direction})`;
  switch (v.state) {
    case 'equal':
      return `${what}: both sides equal at source position ${v.position} (${v.snapshots} snapshot pair(s))`;
    case 'differs':
      return `${what} found differences at source position ${v.position}: ${Object.entries(v.differences)
        .map(([table, d]) => `${code(table)} ${d.chunks} chunk(s), keys ${JSON.stringify(d.keys.slice(0, 5))}`)
        .join('; ')}`;
    case 'refused':
      return `${what} not run: ${v.reason}`;
    case 'failed':
      return `${what} ${v.reason}`;
    default: {
      const eta = v.pass === 1 && v.etaSeconds !== undefined && v.snapshots > 0 ? ` · ETA ${v.etaSeconds} s` : '';
      return `${what}${v.pass > 1 ? `, again what differed (pass ${v.pass})` : ''}: ${thousands(v.rowsCompared)} of ~${thousands(v.estimatedRows)} rows compared · ${thousands(v.rowsPerSecond)} rows/s${eta}`;
    }
  }
}

function cutOverLine(status: MoveStatus): string | undefined {
  const attempt = status.attempts?.at(-1);
  if (!status.cutOver && !attempt) return undefined;
  const step = status.cutOver?.step ?? attempt?.step ?? 'starting';
  return `cutover${attempt ? ` attempt ${attempt.attempt}` : ''}: step ${step}${status.cutOver?.drainGtid ? ` · drain GTID ${status.cutOver.drainGtid}` : ''}`;
}

function resultLine(result: MoveTablesResult): string {
  const window =
    result.cutOver.cutoverWindowMs === undefined ? '' : ` · cutover window ${result.cutOver.cutoverWindowMs} ms`;
  const verified = result.verify ? ` · verify ${result.verify.ok ? 'ok' : 'found differences'}` : '';
  return `result: ${thousands(result.rowsCopied)} rows copied at ${thousands(result.copyRowsPerSecond)} rows/s${window}${verified}; ${cutOverResultText(result.cutOver)}`;
}

function cutOverResultText(result: CutOverResult): string {
  return result.renamedTables.length
    ? `source tables renamed: ${result.renamedTables.map((r) => `${code(r.from)} → ${code(r.to)}`).join(', ')}`
    : 'nothing renamed';
}

/** What an operator can do now, when the move waits for one. */
function nextAction(status: MoveStatus): string | undefined {
  if (status.phase === 'done' || status.phase === 'failed' || status.phase === 'cancelled') return undefined;
  if (status.cutOver?.postponed) return 'postponed: send signal releaseCutOver to cut over';
  if (status.hold) {
    const renamed = status.hold.renamedTables.length
      ? `the source tables are RENAMED (${status.hold.renamedTables.map(code).join(', ')}) and writes to them fail`
      : 'the source is unchanged';
    return `holding (${status.hold.reason}); ${renamed}: send signal retryCutOver, or cancel the move`;
  }
  if (status.nextAttemptAt)
    return `next cutover attempt at ${status.nextAttemptAt}: send signal retryCutOver to try now`;
  if (status.paused) return 'copy paused: send signal resume';
  return afterCutOverActions(status);
}

export function moveDetails(tables: MovedTables, status: MoveStatus, result?: MoveTablesResult): string {
  // Most urgent first: the UI shows the first few lines without scrolling.
  const next = nextAction(status);
  const outcome = result
    ? resultLine(result)
    : status.lastError && `${status.phase === 'failed' ? 'error' : 'last error'}: ${status.lastError}`;
  const facts = [
    next && `**next: ${next}**`,
    outcome || undefined,
    status.phase === 'prepare' ? undefined : copyLine(status),
    standbyText(status) ?? streamLine(status),
    verificationText(status),
    cutOverLine(status),
    ...(status.warnings ?? []).map((warning) => `warning: ${warning}`),
  ];
  return detailsText(`**${status.phase}** · ${moveSummary(tables, code)}`, facts);
}

function detailsText(headline: string, facts: Array<string | undefined>): string {
  const bullets = facts.filter((f): f is string => f !== undefined).map((f) => `- ${f}`);
  return bullets.length ? `${headline}\n\n${bullets.join('\n')}` : headline;
}

/** A cutover attempt's own details (its parent move shows the same step). */
export function cutOverDetails(tables: MovedTables, status: CutOverStatus, result?: CutOverResult): string {
  const facts: string[] = [];
  if (status.postponed && status.step === 'postponed')
    facts.push('**next: postponed: send signal releaseCutOver to cut over**');
  if (status.drainGtid)
    facts.push(
      `drain GTID ${status.drainGtid}${status.appliedPosition ? ` · target applied ${status.appliedPosition}` : ''}`,
    );
  if (result)
    facts.push(
      `result: ${result.cutoverWindowMs === undefined ? '' : `window ${result.cutoverWindowMs} ms · `}${cutOverResultText(result)}`,
    );
  else if (status.lastError) facts.push(`error: ${status.lastError}`);
  return detailsText(`**cutover ${status.step}** · ${moveSummary(tables, code)}`, facts);
}
