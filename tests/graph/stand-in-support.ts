import { generate } from 'selfsigned';

/** The Graph stand-in's small parts: its answers, Graph's error shape, seeded randomness and its TLS certificate. */

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export const ALL_PERMISSIONS = [
  'Calendars.Read',
  'OnlineMeetings.Read.All',
  'OnlineMeetingArtifact.Read.All',
  'User.Read.All',
  'GroupMember.Read.All',
];

export const graphError = (status: number, code: string, message: string, headers?: Record<string, string>): Answer => ({
  status,
  headers,
  body: {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString(), 'request-id': `standin-${Math.random().toString(16).slice(2)}` },
    },
  },
});

/** A small seeded generator, so a throttled run is the same run every time. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function generateCertificate(commonName = 'localhost'): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
