// Test OpenID provider for claimguard's integration tests.
//
// A real oidc-provider instance behind a plain node:http server that adds a
// few /__admin endpoints (key rotation, a misbehaving JWKS endpoint, ...).
// See README.md in this folder for the contract the Rust tests rely on.
//
// stdout carries exactly one line, {"issuer":...,"port":...}, once listening.
// Everything else goes to stderr.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { promisify } from 'node:util';

// ---------------------------------------------------------------------------
// Logging: stdout is reserved for the ready line. oidc-provider prints its
// "NOTICE"s with console.info (i.e. to stdout), so route console.log/info to
// stderr, and only when IDP_VERBOSE is set.
const VERBOSE = !!process.env.IDP_VERBOSE;
const log = (...args) => {
  if (VERBOSE) console.error('[idp]', ...args);
};
console.log = (...args) => { if (VERBOSE) console.error(...args); };
console.info = console.log;
console.debug = console.log;

// ---------------------------------------------------------------------------
// Fixed configuration.

const HOST = '127.0.0.1';
const PORT = parseIntOr(process.env.IDP_PORT, 0);
const STATE_FILE = process.env.IDP_STATE ? path.resolve(process.env.IDP_STATE) : undefined;

const SCOPES = 'orders:read orders:write';
const TOKEN_TTL = 3600;
const JWKS_PATH = '/jwks';
const TOKEN_PATH = '/token';

const CLIENTS = [
  ['svc', 'svc-secret'],
  ['other', 'other-secret'],
].map(([client_id, client_secret]) => ({
  client_id,
  client_secret,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: SCOPES,
}));

// resource indicator -> JWS alg of its JWT access tokens
const RESOURCES = {
  'https://api.example/rs': 'RS256',
  'https://api.example/es': 'ES256',
  'https://api.example/ps': 'PS256',
};

const JWKS_MODES = new Set(['normal', 'status-500', 'html', 'slow', 'hang', 'huge', 'redirect']);

function parseIntOr(value, fallback) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`invalid IDP_PORT: ${value}`);
    process.exit(2);
  }
  return n;
}

// ---------------------------------------------------------------------------
// Key material. state.keys is the published JWKS (private JWKs), newest first.

const generateKeyPair = promisify(crypto.generateKeyPair);

// Async, so that a rotation does not stall connections being served meanwhile.
async function generateKeys(generation) {
  const [rsa, ec] = await Promise.all([
    generateKeyPair('rsa', { modulusLength: 2048 }),
    generateKeyPair('ec', { namedCurve: 'P-256' }),
  ]);
  // No "alg" on the RSA key: oidc-provider only selects a key whose "alg"
  // equals the requested one, and the same RSA key signs RS256 and PS256.
  return [
    { ...rsa.privateKey.export({ format: 'jwk' }), kid: `rsa-${generation}`, use: 'sig' },
    { ...ec.privateKey.export({ format: 'jwk' }), kid: `ec-${generation}`, use: 'sig', alg: 'ES256' },
  ];
}

async function loadState() {
  if (STATE_FILE && fs.existsSync(STATE_FILE)) {
    const parsed = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
    if (!Number.isInteger(parsed.generation) || !Array.isArray(parsed.keys)) {
      throw new Error(`${STATE_FILE}: not an IdP state file`);
    }
    log(`loaded keys from ${STATE_FILE}`);
    return parsed;
  }
  const fresh = { generation: 1, keys: await generateKeys(1) };
  saveState(fresh);
  return fresh;
}

function saveState(s) {
  if (!STATE_FILE) return;
  const tmp = `${STATE_FILE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, STATE_FILE);
}

// Key generation runs on the libuv thread pool while oidc-provider loads.
const [{ default: Provider, errors }, state] = await Promise.all([
  import('oidc-provider'),
  loadState(),
]);

function signingKids() {
  return { RS256: `rsa-${state.generation}`, ES256: `ec-${state.generation}` };
}

function keysSummary() {
  return { kids: state.keys.map((k) => k.kid), signing: signingKids() };
}

// ---------------------------------------------------------------------------
// Storage adapter: a plain in-memory store shared by every provider instance
// (so replacing the provider on key rotation keeps e.g. DPoP replay state).
// Replaces oidc-provider's default, which prints a warning.

const store = new Map();

function storeGet(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.exp !== undefined && entry.exp <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.value;
}

function storeSet(key, value, expiresIn) {
  store.set(key, { value, exp: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
}

class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    storeSet(this.key(id), payload, expiresIn);
    if (payload.uid) storeSet(`uid:${payload.uid}`, id, expiresIn);
    if (payload.userCode) storeSet(`userCode:${payload.userCode}`, id, expiresIn);
    if (payload.grantId) {
      const grantKey = `grant:${payload.grantId}`;
      const list = storeGet(grantKey) ?? [];
      list.push(this.key(id));
      storeSet(grantKey, list, expiresIn);
    }
  }

  async find(id) {
    return storeGet(this.key(id));
  }

  async findByUid(uid) {
    const id = storeGet(`uid:${uid}`);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = storeGet(`userCode:${userCode}`);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const payload = storeGet(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    const grantKey = `grant:${grantId}`;
    for (const key of storeGet(grantKey) ?? []) store.delete(key);
    store.delete(grantKey);
  }
}

// Drop expired entries now and then.
setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of store) {
    if (entry.exp !== undefined && entry.exp <= now) store.delete(key);
  }
}, 60_000).unref();

// ---------------------------------------------------------------------------
// The provider. Rebuilt (behind the same socket) whenever the keys change.

function buildProvider(issuer) {
  const kids = signingKids();
  const kidFor = { RS256: kids.RS256, PS256: kids.RS256, ES256: kids.ES256 };

  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: CLIENTS,
    jwks: { keys: state.keys },
    scopes: ['openid', ...SCOPES.split(' ')],
    claims: { openid: ['sub'] },
    routes: { jwks: JWKS_PATH, token: TOKEN_PATH },
    cookies: { keys: ['claimguard-test-idp-cookie-key-not-a-secret'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      userinfo: { enabled: false },
      dPoP: {
        enabled: true,
        // No nonceSecret: server-provided DPoP nonces are off, the proof's iat
        // must be within 300 s of the server clock instead.
        requireNonce: () => false,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, client, oneOf) => oneOf,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (ctx, resourceIndicator) => {
          const alg = RESOURCES[resourceIndicator];
          if (!alg) throw new errors.InvalidTarget();
          return {
            scope: SCOPES,
            accessTokenTTL: TOKEN_TTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg, kid: kidFor[alg] } },
          };
        },
      },
    },
    ttl: {
      // Only ClientCredentials matter here; the rest are the library defaults,
      // spelled out so that oidc-provider prints no "you SHOULD change" notices.
      AccessToken: (ctx, token) => token.resourceServer?.accessTokenTTL ?? TOKEN_TTL,
      ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL ?? TOKEN_TTL,
      AuthorizationCode: 60,
      BackchannelAuthenticationRequest: 600,
      DeviceCode: 600,
      Grant: 14 * 24 * 60 * 60,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 14 * 24 * 60 * 60,
      Session: 14 * 24 * 60 * 60,
    },
    enabledJWA: {
      dPoPSigningAlgValues: ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'],
    },
    clientBasedCORS: () => false,
    findAccount: async () => undefined,
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  });

  provider.on('server_error', (ctx, err) => console.error('[idp] server_error', err));
  if (VERBOSE) {
    provider.on('grant.error', (ctx, err) => log('grant.error', err.message, err.error_description ?? ''));
    provider.on('grant.success', (ctx) => log('grant.success', ctx.oidc.client?.clientId));
  }

  return provider.callback();
}

// ---------------------------------------------------------------------------
// Admin and misbehaving-JWKS handling in front of the provider.

let issuer;
let providerHandler;
let jwksMode = 'normal';
let jwksMaxAge = null;

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function readJsonBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 64 * 1024) {
        reject(new BadRequest('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) {
        resolve({});
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new BadRequest('body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

// Key changes run one at a time; the provider is swapped only once the new
// keys are complete, so requests never see a half-built key set.
let keyChanges = Promise.resolve();
function changeKeys(mutate, what) {
  const run = keyChanges.then(async () => {
    await mutate();
    saveState(state);
    providerHandler = buildProvider(issuer);
    log(what, keysSummary());
    return keysSummary();
  });
  keyChanges = run.catch(() => {});
  return run;
}

class BadRequest extends Error {}

async function handleAdmin(req, res, pathname) {
  const route = `${req.method} ${pathname}`;
  switch (route) {
    case 'GET /__admin/keys':
      return sendJson(res, 200, keysSummary());

    case 'GET /__admin/stats':
      return sendJson(res, 200, { jwks_requests: jwksRequests });

    case 'POST /__admin/rotate':
      return sendJson(res, 200, await changeKeys(async () => {
        const generation = state.generation + 1;
        const fresh = await generateKeys(generation);
        state.generation = generation;
        state.keys = [...fresh, ...state.keys];
      }, 'rotated'));

    case 'POST /__admin/retire':
      return sendJson(res, 200, await changeKeys(async () => {
        const current = new Set(Object.values(signingKids()));
        state.keys = state.keys.filter((k) => current.has(k.kid));
      }, 'retired'));

    case 'POST /__admin/jwks-mode': {
      const body = await readJsonBody(req);
      if (!JWKS_MODES.has(body.mode)) {
        return sendJson(res, 400, { error: `mode must be one of ${[...JWKS_MODES].join(', ')}` });
      }
      jwksMode = body.mode;
      log('jwks mode', jwksMode);
      return sendJson(res, 200, { mode: jwksMode });
    }

    case 'POST /__admin/max-age': {
      const body = await readJsonBody(req);
      const { seconds } = body;
      if (seconds !== null && !(Number.isInteger(seconds) && seconds >= 0)) {
        return sendJson(res, 400, { error: 'seconds must be a non-negative integer or null' });
      }
      jwksMaxAge = seconds;
      log('jwks max-age', jwksMaxAge);
      return sendJson(res, 200, { seconds: jwksMaxAge });
    }

    case 'POST /__admin/shutdown':
      res.on('finish', () => process.exit(0));
      res.on('close', () => process.exit(0));
      return sendJson(res, 200, { ok: true });

    default:
      return sendJson(res, 404, { error: `no admin route ${route}` });
  }
}

// Writes `first`, then `filler` over and over, never ending the response:
// `chunkSize` bytes every `interval` ms, or as fast as the peer reads when
// `interval` is 0. Stops when the peer goes away.
function streamForever(res, first, filler, { interval, chunkSize }) {
  let pending = Buffer.from(first);
  let timer;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
  };
  res.on('close', stop);
  res.on('error', stop);

  const next = () => {
    if (pending.length >= chunkSize) {
      const out = pending.subarray(0, chunkSize);
      pending = pending.subarray(chunkSize);
      return out;
    }
    const out = Buffer.concat([pending, filler.subarray(0, chunkSize - pending.length)]);
    pending = Buffer.alloc(0);
    return out;
  };

  const tick = () => {
    if (stopped) return;
    const ok = res.write(next());
    if (interval > 0) {
      timer = setTimeout(tick, interval);
    } else if (ok) {
      setImmediate(tick);
    } else {
      res.once('drain', tick);
    }
  };
  tick();
}

function handleBrokenJwks(req, res) {
  switch (jwksMode) {
    case 'status-500':
      return sendJson(res, 500, { error: 'server_error', error_description: 'simulated JWKS failure' });

    case 'html': {
      const html = '<!DOCTYPE html>\n<html><head><title>Oops</title></head>'
        + '<body><h1>Not a JWK Set</h1><p>This is an HTML page.</p></body></html>\n';
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
      });
      return res.end(html);
    }

    case 'slow':
      // The real JWK Set, one byte every 500 ms, then whitespace forever.
      res.writeHead(200, { 'content-type': 'application/jwk-set+json; charset=utf-8' });
      res.flushHeaders();
      return streamForever(res, JSON.stringify({ keys: publicKeys() }), Buffer.from(' '), {
        interval: 500,
        chunkSize: 1,
      });

    case 'hang':
      // Read the request, never answer.
      req.resume();
      return undefined;

    case 'huge':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      return streamForever(res, '{"keys":[', Buffer.alloc(64 * 1024, ' '), {
        interval: 0,
        chunkSize: 64 * 1024,
      });

    case 'redirect':
      res.writeHead(302, { location: `${issuer}${JWKS_PATH}`, 'content-length': 0 });
      return res.end();

    default:
      throw new Error(`unreachable jwks mode ${jwksMode}`);
  }
}

function publicKeys() {
  return state.keys.map(({ d, p, q, dp, dq, qi, ...pub }) => pub);
}

// Requests to /jwks so far, whatever the mode: what the tests count fetches by.
let jwksRequests = 0;

async function onRequest(req, res) {
  const { pathname } = new URL(req.url, 'http://127.0.0.1');
  if (VERBOSE) log(req.method, req.url);

  if (pathname.startsWith('/__admin/')) {
    return handleAdmin(req, res, pathname);
  }

  if (pathname === JWKS_PATH) {
    jwksRequests += 1;
    if (jwksMode !== 'normal') {
      return handleBrokenJwks(req, res);
    }
    if (jwksMaxAge !== null) {
      res.setHeader('cache-control', `public, max-age=${jwksMaxAge}`);
    }
  }

  return providerHandler(req, res);
}

const server = http.createServer((req, res) => {
  onRequest(req, res).catch((err) => {
    if (!(err instanceof BadRequest)) console.error('[idp] request failed:', err);
    if (res.headersSent) res.destroy();
    else sendJson(res, err instanceof BadRequest ? 400 : 500, { error: String(err.message ?? err) });
  });
});

server.on('error', (err) => {
  console.error(`[idp] cannot listen on ${HOST}:${PORT}: ${err.message}`);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  issuer = `http://${HOST}:${port}`;
  providerHandler = buildProvider(issuer);
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
