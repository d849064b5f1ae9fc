// Purge with the official Node SDK (@imagekit/nodejs, client.cache.invalidation), unchanged but for its base
// URL, against `medialib local start-api`. Run by tests/e2e/test_purge_sdk.py, which uploads a file and passes
// BASE_URL, PRIVATE_KEY, URL_ENDPOINT and FILE_URL (the uploaded file's delivery URL).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import ImageKit, { BadRequestError, NotFoundError } from '@imagekit/nodejs';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (tests/e2e/test_purge_sdk.py sets it)`);
  return value;
}

const BASE_URL = requiredEnv('BASE_URL');
const PRIVATE_KEY = requiredEnv('PRIVATE_KEY');
const URL_ENDPOINT = requiredEnv('URL_ENDPOINT');
const FILE_URL = requiredEnv('FILE_URL');

function countingClient() {
  const sent = [];
  const client = new ImageKit({
    privateKey: PRIVATE_KEY,
    baseURL: BASE_URL,
    fetch: (input, init) => {
      sent.push({ url: String(input), method: init?.method ?? 'GET' });
      return globalThis.fetch(input, init);
    },
  });
  return { client, sent };
}

test('a file is purged and its status read', async () => {
  // Given an uploaded file, When the SDK purges its URL and then reads the request's status
  const { client } = countingClient();
  const created = await client.cache.invalidation.create({ url: FILE_URL });
  // Then a 24-hex request id, and the status of CloudFront's invalidation (moto completes at once)
  assert.match(created.requestId, /^[0-9a-f]{24}$/);
  const status = await client.cache.invalidation.get(created.requestId);
  assert.ok(['Pending', 'Completed'].includes(status.status), JSON.stringify(status));
  assert.equal(status.status, 'Completed');
});

test('a wildcard in the middle is BadRequestError 400, not retried', async () => {
  // Given a URL with * in the middle of its path, When the SDK purges it
  const { client, sent } = countingClient();
  const error = await client.cache.invalidation.create({ url: `${URL_ENDPOINT}/folder/*/sample.jpg` }).then(
    () => assert.fail('a purge with * in the middle succeeded'),
    (caught) => caught,
  );
  // Then BadRequestError saying why, after one request
  assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${error}`);
  assert.equal(error.status, 400);
  assert.equal(error.error.reason, 'INVALID_PURGE_URL');
  assert.equal(sent.length, 1, `requests sent: ${JSON.stringify(sent)}`);
});

test('the status of an unknown request id is NotFoundError 404', async () => {
  const { client, sent } = countingClient();
  const error = await client.cache.invalidation.get('0123456789abcdef01234567').then(
    () => assert.fail('an unknown purge request was found'),
    (caught) => caught,
  );
  assert.ok(error instanceof NotFoundError, `expected NotFoundError, got ${error}`);
  assert.equal(error.status, 404);
  assert.equal(sent.length, 1);
});
