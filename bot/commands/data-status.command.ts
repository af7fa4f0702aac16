import { SOURCE_LABELS, SOURCES, type IsoDay } from '../../shared/domain';
import { addDays, isTermDay } from '../../shared/calendar';
import { IMPORT_KIND_LABELS, type DataStatus, type DeliveryProblem, type ImportSummary } from '../../shared/api/data';
import type { Db } from '../store/database';
import type { Staff } from '../store/staff.repository';
import { listTerms } from '../store/calendar.repository';
import { loadCoverage } from '../store/import.repository';
import { findLatestSuccessfulImports, listRecentImports, markInterruptedImports } from '../store/import.repository';
import { listDeadLetters } from '../store/outbox.repository';
import { listRepeatedDeliveries } from '../store/delivery-claim.repository';
import { listUnreachableInDepartment } from '../store/unreachable-recipient.repository';
import { seesWholeDepartment } from './viewer';
import { listUnmatchedPeople } from '../store/entra.repository';

/** Data that stops more than this many days before yesterday is shown as stale. */
export const STALE_AFTER_DAYS = 3;
const HISTORY_LENGTH = 50;
const DEAD_LETTERS_SHOWN = 50;

const DELIVERY_WORDS: Record<string, string> = {
  digest: 'Alert digest',
  escalation: 'Escalation to a senior colleague',
  checkin: 'Check-in to a student',
  notice: "Notice of a student's reply",
  card_refresh: 'Card update',
  support_card: 'Support contacts to a student',
};

/** Dead letters and unreachable people, for the roles that follow up on a whole department. */
async function describeDeliveryProblems(db: Db, viewer: Staff): Promise<DeliveryProblem[]> {
  if (!seesWholeDepartment(viewer)) return [];
  const [dead, unreachable, repeated] = await Promise.all([
    listDeadLetters(db, viewer.departmentId, DEAD_LETTERS_SHOWN),
    listUnreachableInDepartment(db, viewer.departmentId),
    listRepeatedDeliveries(db, viewer.departmentId, DEAD_LETTERS_SHOWN),
  ]);
  return [
    ...unreachable.map((u): DeliveryProblem => ({
      problem: 'unreachable',
      recipientName: u.name,
      what: null,
      attempts: 0,
      reason: u.reason,
      at: u.since,
    })),
    ...dead.map((d): DeliveryProblem => ({
      problem: 'gave_up',
      recipientName: d.recipientName,
      what: DELIVERY_WORDS[d.kind] ?? d.kind,
      attempts: d.attempts,
      reason: d.lastError ?? 'No reason was given.',
      at: d.at,
    })),
    ...repeated.map((r): DeliveryProblem => ({
      problem: 'maybe_repeated',
      recipientName: r.recipientName,
      what: DELIVERY_WORDS[r.kind] ?? r.kind,
      attempts: r.repeats,
      reason: 'Sent again after the service stopped mid-send, so it may have arrived twice.',
      at: r.at,
    })),
  ];
}

/**
 * Whether the data behind the flags can be trusted: per source, the newest successful import, the last
 * day covered and how much of this term is covered; then the import history. Rejection reasons may
 * quote a row, so only department administrators receive them.
 */
export async function describeDataStatus(db: Db, viewer: Staff, today: IsoDay, now: Date = new Date()): Promise<DataStatus> {
  // An import whose process died shows as interrupted, not as running for ever.
  await markInterruptedImports(db, now);
  const yesterday = addDays(today, -1);
  const terms = await listTerms(db);
  const term = terms.find((t) => t.start <= yesterday && today <= addDays(t.end, 1)) ?? null;
  const termDays: IsoDay[] = [];
  if (term) for (let d = term.start; d <= yesterday && d <= term.end; d = addDays(d, 1)) if (isTermDay(d, terms)) termDays.push(d);
  const [deliveryProblems, latest, coverage, history] = await Promise.all([
    describeDeliveryProblems(db, viewer),
    findLatestSuccessfulImports(db, viewer.departmentId),
    termDays.length > 0 ? loadCoverage(db, termDays[0]!, termDays.at(-1)!, viewer.departmentId) : Promise.resolve(null),
    listRecentImports(db, viewer.departmentId, HISTORY_LENGTH),
  ]);
  const showErrors = viewer.roles.includes('department_admin');
  return {
    staleAfterDays: STALE_AFTER_DAYS,
    deliveryProblems,
    sources: SOURCES.map((source) => {
      const last = latest.get(source);
      const covered = coverage?.get(source);
      const coveredUntil = last?.periodEnd ?? null;
      return {
        source,
        label: SOURCE_LABELS[source],
        lastSuccessAt: last?.finishedAt ?? null,
        coveredUntil,
        termDaysCovered: termDays.filter((d) => covered?.has(d)).length,
        termDaysSoFar: termDays.length,
        state: coveredUntil === null ? 'missing' : coveredUntil < addDays(yesterday, -STALE_AFTER_DAYS) ? 'stale' : 'fresh',
      };
    }),
    unmatchedPeople: seesWholeDepartment(viewer) ? await listUnmatchedPeople(db, viewer.departmentId) : [],
    imports: history.flatMap((r): ImportSummary[] => {
      const label = IMPORT_KIND_LABELS[r.source];
      if (label === undefined) return [];
      return [
        {
          id: r.id,
          source: r.source,
          label,
          fileName: r.fileName,
          status: r.status,
          periodStart: r.periodStart,
          periodEnd: r.periodEnd,
          rowsRead: r.rowsRead,
          rowsCounted: r.rowsCounted,
          rowsIgnored: r.rowsIgnored,
          rowsRejected: r.rowsRejected,
          // Why a run was interrupted quotes no row: everyone who sees the run sees why.
          errors: showErrors || r.status === 'interrupted' ? r.errors.slice(0, 20) : [],
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
        },
      ];
    }),
  };
}
