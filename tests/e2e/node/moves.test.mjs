// Copy and rename with the official Node SDK (@imagekit/nodejs: client.files.copy, client.files.rename), unchanged
// but for its base URL, against `medialib local start-api`. Run by tests/e2e/test_moves_sdk.py, which uploads
// FOLDER/a.txt twice (two versions, bytes "n1" then "n2") and passes BASE_URL, PRIVATE_KEY and FOLDER.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import ImageKit, { ConflictError, NotFoundError } from '@imagekit/nodejs';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (tests/e2e/test_moves_sdk.py sets it)`);
  return value;
}

const BASE_URL = requiredEnv('BASE_URL');
const FOLDER = requiredEnv('FOLDER');
const client = new ImageKit({ privateKey: requiredEnv('PRIVATE_KEY'), baseURL: BASE_URL });

async function fileAt(folder, name) {
  const listed = await client.assets.list({ path: folder });
  return listed.find((entry) => entry.type === 'file' && entry.name === name);
}

async function refusal(promise) {
  return promise.then(
    () => assert.fail('the call was accepted'),
    (caught) => caught,
  );
}

test('copy with includeFileVersions makes a new file with both versions', async () => {
  // Given FOLDER/a.txt with two versions, When the SDK copies it with includeFileVersions into a new folder
  const dest = `${FOLDER}-copy`;
  await client.files.copy({ sourceFilePath: `${FOLDER}/a.txt`, destinationPath: dest, includeFileVersions: true });
  // Then a new file with two versions, the current one serving the source's current bytes
  const copied = await fileAt(dest, 'a.txt');
  assert.ok(copied, 'no copy listed');
  const versions = await client.files.versions.list(copied.fileId);
  assert.deepEqual(
    versions.map((version) => version.versionInfo.name),
    ['Version 1', 'Version 2'],
  );
  assert.equal(await (await fetch(copied.url)).text(), 'n2');
});

test('rename with purgeCache answers a purge request id, then the old URL is gone', async () => {
  // Given the copy made above (its own file), When the SDK renames it with purgeCache
  const dest = `${FOLDER}-copy`;
  const before = await fileAt(dest, 'a.txt');
  const renamed = await client.files.rename({ filePath: `${dest}/a.txt`, newFileName: 'b.txt', purgeCache: true });
  // Then the answer carries purgeRequestId, every version is renamed, the old URL answers 404
  assert.ok(renamed.purgeRequestId, JSON.stringify(renamed));
  const versions = await client.files.versions.list(before.fileId);
  assert.deepEqual(new Set(versions.map((version) => version.name)), new Set(['b.txt']));
  assert.equal((await fetch(before.url)).status, 404);
  // And a rename without purgeCache answers {}
  const plain = await client.files.rename({ filePath: `${dest}/b.txt`, newFileName: 'c.txt' });
  assert.equal(plain.purgeRequestId, undefined);
});

test('the errors are ImageKit\'s: a missing source, an existing name', async () => {
  // When a missing file is copied, Then NotFoundError with reason SOURCE_FILE_MISSING
  const missing = await refusal(client.files.copy({ sourceFilePath: `${FOLDER}/none.txt`, destinationPath: '/x' }));
  assert.ok(missing instanceof NotFoundError, `expected NotFoundError, got ${missing}`);
  assert.equal(missing.error.reason, 'SOURCE_FILE_MISSING');
  // When a file is renamed onto a name that exists (the copy renamed to c.txt lives in FOLDER-copy), Then 409
  await client.files.copy({ sourceFilePath: `${FOLDER}/a.txt`, destinationPath: `${FOLDER}-copy` });
  const taken = await refusal(client.files.rename({ filePath: `${FOLDER}-copy/a.txt`, newFileName: 'c.txt' }));
  assert.ok(taken instanceof ConflictError, `expected ConflictError, got ${taken}`);
  assert.equal(taken.error.reason, 'FILE_ALREADY_EXISTS');
  assert.equal(taken.headers.get('x-should-retry'), 'false');
});
