import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createApp, type App } from '../../bot/app';
import { buildTestConfig } from '../support/databases';
import { UNIVERSITY_CONTACTS_ENV } from '../support/app';
import { NOW, buildStaff, seedDepartment, seedPeople } from '../support/factories';
import { findStaffConversation } from '../../bot/store/conversation.repository';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const APP_ID = '11111111-2222-4333-8444-555555555555';
const ISSUER = 'https://api.botframework.com';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';

/** A local stand-in for login.botframework.com: the OpenID configuration and its key set. */
async function startOpenIdStandIn(jwk: Record<string, unknown>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/.well-known/openidconfiguration')
      return res.end(JSON.stringify({ issuer: ISSUER, jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    if (req.url === '/keys')
      return res.end(JSON.stringify({ keys: [{ ...jwk, kid: 'test-key', use: 'sig', alg: 'RS256', endorsements: ['msteams'] }] }));
    res.statusCode = 404;
    return res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/.well-known/openidconfiguration`, server };
}

describe('inbound authentication of Bot Framework activities', () => {
  let app: App;
  let openId: { url: string; server: Server };
  let base: string;
  let sign: (claims: Record<string, unknown>, key?: SigningKey) => Promise<string>;
  let otherKey: SigningKey;
  const tutor = buildStaff({ entraId: 'aad-auth-tutor' });

  const activity = {
    type: 'installationUpdate',
    action: 'add',
    id: 'act-1',
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    from: { id: '29:tutor', aadObjectId: tutor.entraId },
    recipient: { id: `28:${APP_ID}` },
    conversation: { id: 'a:conv-auth', conversationType: 'personal' },
  };
  const post = (headers: Record<string, string>) =>
    fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(activity),
    });

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    otherKey = (await generateKeyPair('RS256')).privateKey;
    openId = await startOpenIdStandIn({ ...(await exportJWK(publicKey)) });
    sign = (claims, key = privateKey) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(ISSUER)
        .setAudience(APP_ID)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key);
    app = createApp(
      buildTestConfig({
        ...UNIVERSITY_CONTACTS_ENV,
        APP_MODE: 'production',
        PUBLIC_URL: 'https://engagement.example.ac.uk',
        PRIVACY_NOTICE_URL: 'https://engagement.example.ac.uk/privacy',
        MICROSOFT_APP_ID: APP_ID,
        MICROSOFT_APP_PASSWORD: 'not-used-here',
        MICROSOFT_APP_TENANT_ID: '00000000-0000-0000-0000-0000000000aa',
        BOT_OPENID_METADATA_URL: openId.url,
      }),
      { now: () => new Date(NOW) },
    );
    await app.prepare();
    await seedDepartment(app.db);
    await seedPeople(app.db, { staff: [tutor] });
    base = `http://127.0.0.1:${(await app.listen()).port}`;
  });
  afterAll(async () => {
    await app.close();
    openId.server.closeAllConnections();
    await new Promise((r) => openId.server.close(r));
  });

  it('when an activity has no token, then it is refused with 401 and nothing is stored', async () => {
    expect((await post({})).status).toBe(401);
    expect(await findStaffConversation(app.db, tutor.id)).toBeUndefined();
  });

  it('when a token is signed by a key the channel does not publish, then it is refused with 401', async () => {
    const forged = await sign({ serviceurl: SERVICE_URL }, otherKey);
    expect((await post({ authorization: `Bearer ${forged}` })).status).toBe(401);
    expect(await findStaffConversation(app.db, tutor.id)).toBeUndefined();
  });

  it('when a genuine token names another service URL, then it is refused with 401', async () => {
    const token = await sign({ serviceurl: 'https://evil.example.com/' });
    expect((await post({ authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('when a genuine channel token arrives, then the install is accepted and the conversation stored', async () => {
    const token = await sign({ serviceurl: SERVICE_URL });
    const res = await post({ authorization: `Bearer ${token}` });
    expect(res.status).toBeLessThan(300);
    expect((await findStaffConversation(app.db, tutor.id))?.conversation?.id).toBe('a:conv-auth');
  });
});
