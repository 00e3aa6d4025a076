// Gets a DPoP-bound access token from the test IdP, using node:crypto only,
// and documents what a DPoP proof the provider accepts looks like.
//
//   node dpop-check.mjs http://127.0.0.1:<port> [resource]
//
// The proof (RFC 9449) is a compact JWS:
//   header  {"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":..,"y":..}}
//           (public key only; alg one of ES256 ES384 PS256 RS256 EdDSA)
//   payload {"jti":<unique>,"htm":"POST","htu":<token endpoint>,"iat":<now>}
// sent as the `DPoP` request header on the token request. The provider checks:
//   - signature against the embedded jwk, typ == "dpop+jwt", alg allow-listed;
//   - jti: a non-empty string, never used before by the same client (within 300 s);
//   - iat: a number within +-300 s of the server clock (no server nonce is used);
//   - htm == the request method ("POST");
//   - htu == the URL of the token endpoint as this request reached it
//     (http://<Host header>/token; query and fragment of htu are ignored).
// The token response then has token_type "DPoP" and the JWT carries
// cnf.jkt = base64url(SHA-256(RFC 7638 thumbprint input of the jwk)).
// Exits non-zero if anything is off.

import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

const issuer = process.argv[2];
const resource = process.argv[3] ?? 'https://api.example/es';
if (!issuer) {
  console.error('usage: node dpop-check.mjs <issuer> [resource]');
  process.exit(2);
}

const b64u = (input) => Buffer.from(input).toString('base64url');
const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

function makeProof(privateKey, publicJwk, htm, htu) {
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk };
  const payload = {
    jti: crypto.randomUUID(),
    htm,
    htu,
    iat: Math.floor(Date.now() / 1000),
  };
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  // JWS ES256 wants the raw r||s signature, not DER.
  const signature = crypto.sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(signature)}`;
}

function thumbprint({ crv, kty, x, y }) {
  // RFC 7638: required members only, lexicographic order, no whitespace.
  return crypto.createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
}

async function tokenRequest(tokenEndpoint, dpop) {
  const headers = {
    authorization: `Basic ${Buffer.from('svc:svc-secret').toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (dpop) headers.dpop = dpop;
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'orders:read' }),
  });
  return { status: response.status, body: await response.json() };
}

const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
const tokenEndpoint = discovery.token_endpoint;
console.log('dpop_signing_alg_values_supported:', discovery.dpop_signing_alg_values_supported.join(' '));

const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
const publicJwk = { kty, crv, x, y };
const jkt = thumbprint(publicJwk);

// 1. A fresh proof gets a DPoP-bound token.
const proof = makeProof(privateKey, publicJwk, 'POST', tokenEndpoint);
console.log('proof header: ', JSON.stringify(decode(proof.split('.')[0])));
console.log('proof payload:', JSON.stringify(decode(proof.split('.')[1])));
const bound = await tokenRequest(tokenEndpoint, proof);
assert.equal(bound.status, 200, JSON.stringify(bound.body));
assert.equal(bound.body.token_type, 'DPoP');
const [header, payload] = bound.body.access_token.split('.').map((p, i) => (i < 2 ? decode(p) : p));
console.log('token header: ', JSON.stringify(header));
console.log('token payload:', JSON.stringify(payload));
assert.equal(header.typ, 'at+jwt');
assert.equal(payload.cnf?.jkt, jkt);

// 2. Replaying the same proof is refused.
const replay = await tokenRequest(tokenEndpoint, proof);
assert.equal(replay.status, 400);
console.log('replayed proof:', replay.status, JSON.stringify(replay.body));

// 3. A proof for the wrong URL is refused.
const wrongHtu = await tokenRequest(tokenEndpoint, makeProof(privateKey, publicJwk, 'POST', `${issuer}/elsewhere`));
assert.equal(wrongHtu.status, 400);
console.log('wrong htu:', wrongHtu.status, JSON.stringify(wrongHtu.body));

// 4. Without a proof the token is a plain Bearer token with no cnf.
const plain = await tokenRequest(tokenEndpoint);
assert.equal(plain.body.token_type, 'Bearer');
assert.equal(decode(plain.body.access_token.split('.')[1]).cnf, undefined);
console.log('no proof: token_type', plain.body.token_type);

console.log('DPoP check OK');
