// List and search with the official Node SDK (@imagekit/nodejs, client.assets.list), unchanged but for its base
// URL, against `medialib local start-api`. Run by tests/e2e/test_search_sdk.py, which uploads the files of FOLDER
// (plus.png tagged "size+fit" and "blue sky", spaced.png tagged "size fit" with two versions, sub/deep.png) and
// passes BASE_URL, PRIVATE_KEY and FOLDER.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import ImageKit, { BadRequestError } from '@imagekit/nodejs';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (tests/e2e/test_search_sdk.py sets it)`);
  return value;
}

const FOLDER = requiredEnv('FOLDER');
const client = new ImageKit({ privateKey: requiredEnv('PRIVATE_KEY'), baseURL: requiredEnv('BASE_URL') });

test('a searchQuery with spaces and a literal + finds the file', async () => {
  // Given plus.png tagged "size+fit" and "blue sky"; When searched (the SDK sends spaces as %20 and + as %2B)
  const found = await client.assets.list({
    searchQuery: `tags IN ["size+fit"] AND tags IN ["blue sky"] AND path = "${FOLDER}"`,
  });
  // Then exactly plus.png
  assert.deepEqual(
    found.map((entry) => entry.name),
    ['plus.png'],
  );
});

test('a folder is listed folders first, by name, and its versions by type', async () => {
  // Given the folder; When listed with type all by name, and its versions
  const all = await client.assets.list({ path: FOLDER, type: 'all', sort: 'ASC_NAME' });
  const versions = await client.assets.list({ path: FOLDER, type: 'file-version' });
  // Then the subfolder, then the files by name; and spaced.png's older version
  assert.deepEqual(
    all.map((entry) => [entry.type, entry.name]),
    [
      ['folder', 'sub'],
      ['file', 'plus.png'],
      ['file', 'spaced.png'],
    ],
  );
  assert.deepEqual(
    versions.map((entry) => [entry.type, entry.name]),
    [['file-version', 'spaced.png']],
  );
});

test('a malformed searchQuery is BadRequestError 400 naming the position', async () => {
  // Given a query whose value is missing; When searched
  const error = await client.assets.list({ searchQuery: 'size >' }).then(
    () => assert.fail('a malformed query was accepted'),
    (caught) => caught,
  );
  // Then 400 INVALID_SEARCH_QUERY in ImageKit's shape, naming character 7
  assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${error}`);
  assert.equal(error.error.reason, 'INVALID_SEARCH_QUERY');
  assert.match(error.error.message, /at character 7, expected a size/);
});
