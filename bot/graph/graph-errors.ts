import type { GraphFailure } from './graph-requests';

/** Which Graph call failed; each needs its own application permission. */
export type GraphStep = 'calendar' | 'meeting' | 'reports' | 'records';

const PERMISSION: Record<GraphStep, string> = {
  calendar: 'Calendars.Read',
  meeting: 'OnlineMeetings.Read.All',
  reports: 'OnlineMeetingArtifact.Read.All',
  records: 'OnlineMeetingArtifact.Read.All',
};

export interface OrganiserProblem {
  code: 'graph_access_policy_missing' | 'graph_permission_missing' | 'graph_organiser_not_found' | 'graph_throttled' | 'graph_error';
  message: string;
}

export const isAccessPolicyMissing = (f: GraphFailure): boolean => f.status === 403 && /application access policy/i.test(f.message);

/**
 * Turns a Graph failure into a message an administrator can act on: what was refused, why, and
 * what to run or grant. The organiser is named so the fix can be scoped to them.
 */
export function describeGraphFailure(
  failure: GraphFailure,
  step: GraphStep,
  ctx: { organiser: string; clientId: string },
): OrganiserProblem {
  if (isAccessPolicyMissing(failure)) {
    return {
      code: 'graph_access_policy_missing',
      message:
        `Graph refused to read the online meetings of ${ctx.organiser}: no application access policy allows this app (${ctx.clientId}) to act for them. ` +
        `A Teams administrator can fix it in Teams PowerShell: ` +
        `New-CsApplicationAccessPolicy -Identity EngagementMonitor-Attendance -AppIds "${ctx.clientId}" -Description "Engagement Monitor reads meeting attendance"; ` +
        `then Grant-CsApplicationAccessPolicy -PolicyName EngagementMonitor-Attendance -Identity "${ctx.organiser}" (or -Global for every organiser). ` +
        `A new grant can take up to 30 minutes to apply. This organiser was skipped; the others were collected.`,
    };
  }
  if (failure.status === 401 || failure.status === 403) {
    return {
      code: 'graph_permission_missing',
      message:
        `Graph refused ${step === 'calendar' ? 'to read the calendar' : 'to read the meeting attendance'} of ${ctx.organiser} (${failure.status} ${failure.code}: ${failure.message}). ` +
        `The app registration ${ctx.clientId} needs the application permission ${PERMISSION[step]} with admin consent granted.`,
    };
  }
  if (failure.status === 404 && step === 'calendar') {
    return {
      code: 'graph_organiser_not_found',
      message: `Graph has no user ${ctx.organiser} (404 ${failure.code}). Check GRAPH_ORGANISERS or the staff member's Entra id in the roster.`,
    };
  }
  if (failure.status === 429 || failure.status === 503 || failure.status === 504) {
    return {
      code: 'graph_throttled',
      message: `Graph kept asking us to slow down while reading ${ctx.organiser}'s meetings (${failure.status}); what was read is kept and the next run carries on from there.`,
    };
  }
  return {
    code: 'graph_error',
    message: `Graph answered ${failure.status || 'nothing'} ${failure.code} for ${ctx.organiser} (${step}): ${failure.message}`,
  };
}
