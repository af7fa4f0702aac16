/** The personal tab every card link opens (manifest staticTabs[0].entityId). */
export const TAB_ENTITY_ID = 'check-ins';

export interface TabLinkTarget {
  /** The Teams app id (the manifest's id); empty when the app is not packaged, e.g. running locally. */
  teamsAppId: string;
  /** Where the tab is served, for the browser fallback. */
  publicUrl: string;
}

/**
 * A link that opens the app's own tab in Teams, on one student when given: a Teams deep link with the
 * student as sub-entity (the tab reads it from `page.subPageId`). Without a Teams app id it is the
 * tab's web address with `?student=`, which the tab reads the same way.
 */
export function tabLink(target: TabLinkTarget, studentId?: string): string {
  const web = `${target.publicUrl.replace(/\/+$/, '')}/${studentId ? `?student=${encodeURIComponent(studentId)}` : ''}`;
  if (!target.teamsAppId) return web;
  const params = new URLSearchParams({ webUrl: web, label: 'Check-ins' });
  if (studentId) params.set('context', JSON.stringify({ subEntityId: studentId }));
  return `https://teams.microsoft.com/l/entity/${encodeURIComponent(target.teamsAppId)}/${TAB_ENTITY_ID}?${params.toString()}`;
}
