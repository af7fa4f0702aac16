import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { StaffRole } from '../../shared/domain';
import type { ExtraPhrases } from '../../shared/wellbeing/classify';
import type { Env } from './env';

export interface SupportContact {
  name: string;
  detail: string;
}

export type SupportConfig = {
  contacts: readonly SupportContact[];
  urgentContacts: readonly SupportContact[];
  /** Phrases a university adds to the built-in wellbeing lists (WELLBEING_PHRASES_FILE, and URGENT_TERMS as risk). */
  phrases: Readonly<ExtraPhrases>;
  wellbeingRole: StaffRole;
  /**
   * How long a student's support card is held for the reply that sends it (SUPPORT_CARD_HOLD_SECONDS): the
   * reply renews the hold while its send is in flight, so this is how soon the outbox sends the card when
   * the service died mid-reply.
   */
  cardHoldSeconds: number;
};

const ContactsSchema = z.array(z.object({ name: z.string().min(1), detail: z.string().min(1) })).min(1);

/** Placeholders until a university sets its own; the national numbers are real and free to call. */
const DEFAULT_SUPPORT_CONTACTS: SupportContact[] = [
  { name: 'Your personal tutor', detail: 'Message them here or by e-mail at any time.' },
  { name: 'Wellbeing Service', detail: 'Set SUPPORT_CONTACTS to your university’s Wellbeing Service details.' },
];
const DEFAULT_URGENT_CONTACTS: SupportContact[] = [
  { name: 'Emergency services', detail: 'Call 999 if you or someone else is in immediate danger.' },
  { name: 'Samaritans (24 hours)', detail: 'Call 116 123 free, any time, day or night.' },
  { name: 'Shout (24 hours)', detail: 'Text SHOUT to 85258.' },
];

const PhraseListsSchema = z
  .object({ risk: z.array(z.string().trim().min(1)).default([]), distress: z.array(z.string().trim().min(1)).default([]) })
  .strict();

/** WELLBEING_PHRASES_FILE: a JSON file {"risk": [...], "distress": [...]} of plain phrases added to the built-in lists. */
function readPhraseFile(path: string | undefined, problems: string[]): { risk: string[]; distress: string[] } {
  if (path === undefined) return { risk: [], distress: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`WELLBEING_PHRASES_FILE: cannot read ${path} as JSON (${(error as Error).message})`);
    return { risk: [], distress: [] };
  }
  const parsed = PhraseListsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    problems.push(
      `WELLBEING_PHRASES_FILE: ${path} must be {"risk": ["…"], "distress": ["…"]} (${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'})`,
    );
    return { risk: [], distress: [] };
  }
  return parsed.data;
}

// A contact list copied from our defaults or the README example has not been set for this university.
const PLACEHOLDER_CONTACT =
  /set (support|urgent)_contacts|placeholder|changeme|change me|\btodo\b|\btbc\b|01234 567890|@example\.(com|org|net)\b/i;

/** In production a student in crisis must see the university's real contacts, so unset or placeholder lists stop the start. */
function checkContactsForProduction(
  name: string,
  raw: string | undefined,
  contacts: readonly SupportContact[],
  fallback: readonly SupportContact[],
  problems: string[],
): void {
  if (raw !== undefined && contacts === fallback) return; // unreadable JSON, already reported
  if (raw === undefined)
    problems.push(`${name}: required when APP_MODE=production: set your university's real contacts as JSON [{"name":"…","detail":"…"}]`);
  else if (contacts.some((c) => PLACEHOLDER_CONTACT.test(`${c.name} ${c.detail}`)))
    problems.push(`${name}: still a placeholder; set your university's real contacts before running with APP_MODE=production`);
}

function parseContacts(name: string, raw: string | undefined, fallback: SupportContact[], problems: string[]): SupportContact[] {
  if (raw === undefined) return fallback;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push(`${name}: expected JSON such as [{"name":"Wellbeing Service","detail":"01234 567890"}]`);
    return fallback;
  }
  const parsed = ContactsSchema.safeParse(json);
  if (!parsed.success) {
    problems.push(`${name}: expected a non-empty list of {"name","detail"} entries (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    return fallback;
  }
  return parsed.data;
}

/** The contacts students are shown and the phrases added to the wellbeing lists, checked harder in production. */
export function parseSupport(e: Env, problems: string[]): SupportConfig {
  const supportContacts = parseContacts('SUPPORT_CONTACTS', e.SUPPORT_CONTACTS, DEFAULT_SUPPORT_CONTACTS, problems);
  const urgentContacts = parseContacts('URGENT_CONTACTS', e.URGENT_CONTACTS, DEFAULT_URGENT_CONTACTS, problems);
  const urgentTerms = (e.URGENT_TERMS ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  const phraseFile = readPhraseFile(e.WELLBEING_PHRASES_FILE, problems);
  if (e.APP_MODE === 'production') {
    checkContactsForProduction('SUPPORT_CONTACTS', e.SUPPORT_CONTACTS, supportContacts, DEFAULT_SUPPORT_CONTACTS, problems);
    checkContactsForProduction('URGENT_CONTACTS', e.URGENT_CONTACTS, urgentContacts, DEFAULT_URGENT_CONTACTS, problems);
  }
  return Object.freeze({
    contacts: supportContacts,
    urgentContacts,
    phrases: Object.freeze({ risk: [...urgentTerms, ...phraseFile.risk], distress: phraseFile.distress }),
    wellbeingRole: e.WELLBEING_ROLE,
    cardHoldSeconds: e.SUPPORT_CARD_HOLD_SECONDS,
  });
}
