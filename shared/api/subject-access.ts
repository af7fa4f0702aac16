/** Everything held about one student, as a subject access request answers it (JSON and printable page). */
export interface SubjectAccessReport {
  generatedAt: string;
  generatedBy: string | null;
  student: {
    id: string;
    givenName: string;
    familyName: string;
    email: string | null;
    entraId: string | null;
    department: string;
    programme: string;
    year: number;
    status: string;
    personalTutor: string | null;
    monitoringStopped: { since: string; reason: string | null } | null;
  };
  identities: Array<{ system: string; key: string }>;
  exemptions: Array<{ reason: string; from: string; until: string | null; recordedAt: string }>;
  dailyCounts: Array<{ day: string; source: string; count: number }>;
  cases: Array<{
    id: string;
    openedAt: string;
    closedAt: string | null;
    status: string;
    severity: string;
    reason: string;
    outcome: string | null;
    timeline: Array<{ at: string; what: string; by: string; note: string | null }>;
  }>;
  messages: Array<{ at: string; text: string | null }>;
  cardsToStudent: Array<{ kind: string; status: string; queuedAt: string; sentAt: string | null }>;
  disclosures: Array<{ at: string; what: string; to: string | null }>;
  views: Array<{ at: string; action: string; by: string; roles: string[] }>;
  chatConnected: boolean;
}
