import { z } from 'zod';
import type { Selectable } from 'kysely';
import { ActorKindSchema, CaseEventKindSchema, type ActorKind, type CaseEventKind } from '../../shared/cases';
import type { Db } from './database';
import { chunk, newId } from './ids';
import type { Database } from './schema';

/** One entry on a case's timeline. */
export interface CaseEvent {
  id: string;
  caseId: string;
  at: string;
  kind: CaseEventKind;
  actorKind: ActorKind;
  actorId: string | null;
  note: string | null;
  data: Record<string, unknown>;
}

const EventDataSchema = z.record(z.string(), z.unknown());

const eventValues = (e: Omit<CaseEvent, 'id'>, id: string) => ({
  id,
  case_id: e.caseId,
  at: e.at,
  kind: e.kind,
  actor_kind: e.actorKind,
  actor_id: e.actorId,
  note: e.note,
  data: JSON.stringify(e.data),
});

/** A timeline row as the application sees it; kinds and data are checked here, at the edge. */
const toCaseEvent = (r: Selectable<Database['case_events']>): CaseEvent => ({
  id: r.id,
  caseId: r.case_id,
  at: r.at,
  kind: CaseEventKindSchema.parse(r.kind),
  actorKind: ActorKindSchema.parse(r.actor_kind),
  actorId: r.actor_id,
  note: r.note,
  data: EventDataSchema.parse(JSON.parse(r.data)),
});

export async function appendCaseEvent(db: Db, e: Omit<CaseEvent, 'id'>): Promise<CaseEvent> {
  const id = newId();
  await db.insertInto('case_events').values(eventValues(e, id)).execute();
  return { ...e, id };
}

const EVENT_BATCH = 400;

/** Appends many timeline events at once. */
export async function appendCaseEvents(db: Db, events: ReadonlyArray<Omit<CaseEvent, 'id'>>): Promise<void> {
  for (let i = 0; i < events.length; i += EVENT_BATCH) {
    await db
      .insertInto('case_events')
      .values(events.slice(i, i + EVENT_BATCH).map((e) => eventValues(e, newId())))
      .execute();
  }
}

export async function listCaseEvents(db: Db, caseId: string): Promise<CaseEvent[]> {
  const rows = await db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('at').orderBy('id').execute();
  return rows.map(toCaseEvent);
}

/** The newest event of each case, for the list's "last action" column. */
export async function findLatestCaseEvents(db: Db, caseIds: readonly string[]): Promise<Map<string, CaseEvent>> {
  const out = new Map<string, CaseEvent>();
  for (const batch of chunk(caseIds, 500)) {
    const rows = await db
      .selectFrom('case_events as e')
      .selectAll('e')
      .where('e.case_id', 'in', batch)
      .where(({ eb, selectFrom }) =>
        eb(
          'e.id',
          '=',
          selectFrom('case_events as x')
            .select((x) => x.fn.max('x.id').as('id'))
            .whereRef('x.case_id', '=', 'e.case_id'),
        ),
      )
      .execute();
    for (const r of rows) out.set(r.case_id, toCaseEvent(r));
  }
  return out;
}
