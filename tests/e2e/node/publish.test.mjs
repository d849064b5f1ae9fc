// Publish and unpublish with the official Node SDK (@imagekit/nodejs, client.files.update with `publish`), unchanged
// but for its base URL, against `medialib local start-api`. Run by tests/e2e/test_publish_sdk.py, which uploads a
// file with two versions and passes BASE_URL, PRIVATE_KEY, FILE_ID and FILE_URL (the file's delivery URL).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import ImageKit, { BadRequestError } from '@imagekit/nodejs';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (tests/e2e/test_publish_sdk.py sets it)`);
  return value;
}

const FILE_ID = requiredEnv('FILE_ID');
const FILE_URL = requiredEnv('FILE_URL');
const client = new ImageKit({ privateKey: requiredEnv('PRIVATE_KEY'), baseURL: requiredEnv('BASE_URL') });

async function publishedVersions() {
  return (await client.files.versions.list(FILE_ID)).map((version) => version.isPublished);
}

test('a file is unpublished with every version, then published back', async () => {
  // Given a published file with two versions, delivered
  assert.equal((await fetch(FILE_URL)).status, 200);

  // When the SDK unpublishes it with includeFileVersions
  const unpublished = await client.files.update(FILE_ID, {
    publish: { isPublished: false, includeFileVersions: true },
  });
  // Then the answer, the details and every version say unpublished, and delivery answers 404
  assert.equal(unpublished.isPublished, false);
  assert.equal((await client.files.get(FILE_ID)).isPublished, false);
  assert.deepEqual(await publishedVersions(), [false, false]);
  assert.equal((await fetch(FILE_URL)).status, 404);

  // When the SDK publishes it back (every version)
  const published = await client.files.update(FILE_ID, {
    publish: { isPublished: true, includeFileVersions: true },
  });
  // Then it is published and delivered again
  assert.equal(published.isPublished, true);
  assert.equal((await client.files.get(FILE_ID)).isPublished, true);
  assert.deepEqual(await publishedVersions(), [true, true]);
  assert.equal((await fetch(FILE_URL)).status, 200);
});

test('isPublished as text is BadRequestError 400', async () => {
  // Given a careless caller past the types, When it sends isPublished "false"
  const error = await client.files.update(FILE_ID, { publish: { isPublished: 'false' } }).then(
    () => assert.fail('isPublished "false" was accepted'),
    (caught) => caught,
  );
  // Then 400 in ImageKit's shape, and the file is still published
  assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${error}`);
  assert.ok(error.error.message && error.error.help, JSON.stringify(error.error));
  assert.equal((await client.files.get(FILE_ID)).isPublished, true);
});
