// The official Node SDK (@imagekit/nodejs 7.11.0), unchanged but for its base URL, against
// `medialib local start-api`. Run by tests/e2e/test_node_sdk.py, which starts the stack and
// passes BASE_URL and PRIVATE_KEY; by hand: BASE_URL=http://127.0.0.1:3000 PRIVATE_KEY=... node --test
import assert from 'node:assert/strict';
import { test } from 'node:test';

import ImageKit, { AuthenticationError, BadRequestError, NotFoundError } from '@imagekit/nodejs';

const BASE_URL = requiredEnv('BASE_URL');
const PRIVATE_KEY = requiredEnv('PRIVATE_KEY');

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (tests/e2e/test_node_sdk.py sets it)`);
  return value;
}

/** A client whose every HTTP request goes through globalThis.fetch and is recorded in `sent`. */
function countingClient(privateKey = PRIVATE_KEY) {
  const sent = [];
  const client = new ImageKit({
    privateKey,
    baseURL: BASE_URL,
    fetch: (input, init) => {
      sent.push({ url: String(input), method: init?.method ?? 'GET' });
      return globalThis.fetch(input, init);
    },
  });
  return { client, sent };
}

test('listing assets of a new account returns an empty array', async () => {
  // Given a fresh local stack, When the SDK lists assets with the account's private key
  const { client, sent } = countingClient();
  const assets = await client.assets.list();
  // Then [] after one request
  assert.deepEqual(assets, []);
  assert.equal(sent.length, 1);
});

test('a wrong private key is AuthenticationError 401 after exactly one request', async () => {
  // Given a wrong private key, When the SDK lists assets
  const { client, sent } = countingClient('private_wrong_key');
  const error = await client.assets.list().then(
    () => assert.fail('listing with a wrong key succeeded'),
    (caught) => caught,
  );
  // Then AuthenticationError with ImageKit's message, and no retry
  assert.ok(error instanceof AuthenticationError, `expected AuthenticationError, got ${error}`);
  assert.equal(error.status, 401);
  assert.equal(error.error.message, 'Your account cannot be authenticated.');
  assert.equal(error.message, '401 Your account cannot be authenticated.');
  assert.equal(sent.length, 1, `requests sent: ${JSON.stringify(sent)}`);
});

test('details of a missing file are NotFoundError 404 after exactly one request', async () => {
  // Given no such file, When the SDK gets its details
  const { client, sent } = countingClient();
  const error = await client.files.get('no-such-file').then(
    () => assert.fail('details of a missing file succeeded'),
    (caught) => caught,
  );
  // Then NotFoundError with the message, and no retry
  assert.ok(error instanceof NotFoundError, `expected NotFoundError, got ${error}`);
  assert.equal(error.status, 404);
  assert.equal(error.error.message, 'The requested file does not exist.');
  assert.equal(sent.length, 1, `requests sent: ${JSON.stringify(sent)}`);
  assert.match(sent[0].url, /\/v1\/files\/no-such-file\/details$/);
});

test('an invalid list parameter is BadRequestError 400', async () => {
  // Given limit=0, When the SDK lists assets
  const { client, sent } = countingClient();
  const error = await client.assets.list({ limit: 0 }).then(
    () => assert.fail('listing with limit=0 succeeded'),
    (caught) => caught,
  );
  // Then BadRequestError (400, not 422) naming the parameter, and no retry
  assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${error}`);
  assert.equal(error.status, 400);
  assert.match(JSON.stringify(error.error), /limit/);
  assert.equal(sent.length, 1, `requests sent: ${JSON.stringify(sent)}`);
});
