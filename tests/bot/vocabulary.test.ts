import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CASE_EVENT_KINDS, CASE_EVENT_LABELS } from '../../shared/cases';
import { describeEventKind } from '../../bot/presenters/case.presenter';

/** Every production source file under bot/ (tests excluded). */
function sources(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [{ file: path, text: readFileSync(path, 'utf8') }] : [];
  });
}

/**
 * The kinds the code writes, read from the writers themselves: appendCaseEvent calls, evaluation's
 * `event(id, 'kind', ...)`, the case actions' `record('kind', ...)`, and the student-message choice.
 */
function writtenKinds(): Map<string, string> {
  const found = new Map<string, string>();
  for (const { file, text } of sources(join(__dirname, '../../bot'))) {
    const add = (kind: string | undefined) => kind && found.set(kind, file);
    for (const call of text.matchAll(/appendCaseEvents?\(/g)) {
      const body = text.slice(call.index, call.index + 400);
      for (const m of body.matchAll(/\bkind: '(\w+)'/g)) add(m[1]);
    }
    for (const m of text.matchAll(/\bevent\(\s*[\w.]+,\s*'(\w+)'/g)) add(m[1]);
    for (const m of text.matchAll(/\brecord\(\s*'(\w+)'/g)) add(m[1]);
    for (const m of text.matchAll(/const kind = [^;]*\? '(\w+)' : '(\w+)'/g)) [m[1], m[2]].forEach(add);
  }
  return found;
}

describe('case event kinds', () => {
  it('when the code writes a case event, then its kind is in the one table and staff see its label', () => {
    const written = writtenKinds();
    expect(written.size).toBeGreaterThanOrEqual(15);
    for (const [kind, file] of written) {
      expect({ kind, file, known: (CASE_EVENT_KINDS as readonly string[]).includes(kind) }).toEqual({ kind, file, known: true });
      expect(describeEventKind(kind as keyof typeof CASE_EVENT_LABELS)).toBe(CASE_EVENT_LABELS[kind as keyof typeof CASE_EVENT_LABELS]);
    }
  });

  it('when the table labels a kind, then some code writes it (no labels for events that never happen)', () => {
    const written = writtenKinds();
    expect(CASE_EVENT_KINDS.filter((k) => !written.has(k))).toEqual([]);
  });
});
