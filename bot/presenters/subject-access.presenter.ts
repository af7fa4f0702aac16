import type { SubjectAccessReport } from '../../shared/api/subject-access';
import { SOURCE_LABELS, type Source } from '../../shared/domain';

const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function table(headers: string[], rows: unknown[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  const head = headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A printable page of everything held about one student: what a subject access request is answered with. */
export function presentSubjectAccessHtml(report: SubjectAccessReport): string {
  const s = report.student;
  const name = `${s.givenName} ${s.familyName}`;
  const sourceName = (source: string) => SOURCE_LABELS[source as Source] ?? source;
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Information held about ${escapeHtml(name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f0f0f0}.empty{color:#555}
@media print{body{margin:0}}</style></head>
<body>
<h1>Information held about ${escapeHtml(name)}</h1>
<p>Produced by Engagement Monitor on ${escapeHtml(report.generatedAt)}. Engagement Monitor holds daily <em>counts</em> of activity
(how many times, never what was opened or read), the cases staff opened to offer support, and who looked at this record.</p>
<h2>Identity and enrolment</h2>
${table(
  ['Field', 'Value'],
  [
    ['Student id', s.id],
    ['Name', name],
    ['E-mail', s.email ?? ''],
    ['Microsoft account id', s.entraId ?? ''],
    ['Department', s.department],
    ['Programme', s.programme],
    ['Year', s.year],
    ['Status', s.status],
    ['Personal tutor', s.personalTutor ?? ''],
    ['Monitoring', s.monitoringStopped ? `Stopped since ${s.monitoringStopped.since} (${s.monitoringStopped.reason ?? ''})` : 'On'],
    ['Connected to the app in Teams', report.chatConnected ? 'Yes' : 'No'],
  ],
  '',
)}
<h2>Accounts in other systems</h2>
${table(
  ['System', 'Account'],
  report.identities.map((i) => [i.system, i.key]),
  'None recorded.',
)}
<h2>Exemptions</h2>
${table(
  ['Reason', 'From', 'Until', 'Recorded'],
  report.exemptions.map((e) => [e.reason, e.from, e.until ?? 'open-ended', e.recordedAt]),
  'None.',
)}
<h2>Daily activity counts</h2>
${table(
  ['Day', 'Source', 'Count'],
  report.dailyCounts.map((c) => [c.day, sourceName(c.source), c.count]),
  'No counts held.',
)}
<h2>Cases</h2>
${
  report.cases.length === 0
    ? '<p class="empty">No case has been opened.</p>'
    : report.cases
        .map(
          (c) => `<h3>Case opened ${escapeHtml(c.openedAt)} (${escapeHtml(c.status)})</h3>
<p>Why: ${escapeHtml(c.reason)}. Severity: ${escapeHtml(c.severity)}.${c.outcome ? ` Outcome: ${escapeHtml(c.outcome)}.` : ''}${c.closedAt ? ` Closed ${escapeHtml(c.closedAt)}.` : ''}</p>
${table(
  ['When', 'What', 'Who', 'Note'],
  c.timeline.map((t) => [t.at, t.what, t.by, t.note ?? '']),
  'No entries.',
)}`,
        )
        .join('\n')
}
<h2>Messages the student sent through the app</h2>
${table(
  ['When', 'Message'],
  report.messages.map((m) => [m.at, m.text ?? '(text removed after the retention period)']),
  'None.',
)}
<h2>Messages sent to the student</h2>
${table(
  ['Kind', 'Status', 'Queued', 'Sent'],
  report.cardsToStudent.map((c) => [c.kind, c.status, c.queuedAt, c.sentAt ?? '']),
  'None.',
)}
<h2>Alerts to staff that included this student</h2>
${table(
  ['When', 'What', 'To'],
  report.disclosures.map((d) => [d.at, d.what, d.to ?? '']),
  'None.',
)}
<h2>Who viewed or changed this record</h2>
${table(
  ['When', 'What', 'Who', 'Roles'],
  report.views.map((v) => [v.at, v.action, v.by, v.roles.join(', ')]),
  'Nobody.',
)}
</body></html>
`;
}
