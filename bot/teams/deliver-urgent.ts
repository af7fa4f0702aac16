import { deliverDue, type DeliverDeps, type DeliverySummary } from './deliver.command';

/**
 * Delivers what is due to each of these staff now, in runs of their own, so an urgent alert never
 * waits behind digests or other staff's notices queued before it.
 */
export function deliverUrgentNow(deps: DeliverDeps, staffIds: readonly string[]): Promise<DeliverySummary[]> {
  return Promise.all([...new Set(staffIds)].map((recipientStaffId) => deliverDue(deps, { recipientStaffId })));
}
