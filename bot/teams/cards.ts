// Every card the bot sends, from one place: the digest for staff, the cards students see, and staff notices.
export { formatDay, formatMoment, type AdaptiveCard } from './card-parts';
export { buildDigestCard, DIGEST_LIMIT, type DigestRow } from './digest-card';
export { buildNoticeCard } from './notice-card';
export { buildCheckinCard, buildHelpCard, buildSupportCard, buildUrgentSupportCard, type StudentToldWhom } from './student-cards';
export type { SupportContact } from '../config';
