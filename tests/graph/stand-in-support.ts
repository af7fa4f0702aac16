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

export { seeded } from '../support/seeded';

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
