// Details, addTags, metadata and delete with the official Node SDK (@imagekit/nodejs), unchanged but for its base
// URL, against `medialib local start-api`. Run by tests/e2e/test_details_sdk.py, which uploads a 48x32 JPEG and
// passes BASE_URL, PRIVATE_KEY and FILE_ID. The cases run in order: the last deletes the file.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import ImageKit, { BadRequestError, NotFoundError } from '@imagekit/nodejs';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (tests/e2e/test_details_sdk.py sets it)`);
  return value;
}

const FILE_ID = requiredEnv('FILE_ID');
const client = new ImageKit({ privateKey: requiredEnv('PRIVATE_KEY'), baseURL: requiredEnv('BASE_URL') });

test('details are updated and extensionStatus answers the extensions asked', async () => {
  // When the SDK updates tags, coordinates and description, with an extension
  const updated = await client.files.update(FILE_ID, {
    tags: ['a', 'b'],
    customCoordinates: '1,1,10,10',
    description: 'from node',
    extensions: [{ name: 'aws-auto-tagging', maxTags: 2, minConfidence: 90 }],
  });
  // Then the answer and the details say so; no extension runs in medialib, so it is reported failed
  assert.deepEqual(updated.tags, ['a', 'b']);
  assert.equal(updated.customCoordinates, '1,1,10,10');
  assert.deepEqual(updated.extensionStatus, { 'aws-auto-tagging': 'failed' });
  assert.equal((await client.files.get(FILE_ID)).description, 'from node');
  // And bad coordinates are a BadRequestError in ImageKit's shape
  const error = await client.files.update(FILE_ID, { customCoordinates: '1,2' }).catch((caught) => caught);
  assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${error}`);
  assert.ok(error.error.message && error.error.help, JSON.stringify(error.error));
});

test('addTags keeps the order and adds no repeats', async () => {
  const answer = await client.files.bulk.addTags({ fileIds: [FILE_ID], tags: ['b', 'c'] });
  assert.deepEqual(answer.successfullyUpdatedFileIds, [FILE_ID]);
  assert.deepEqual((await client.files.get(FILE_ID)).tags, ['a', 'b', 'c']);
});

test('metadata of the file, by id', async () => {
  const metadata = await client.files.metadata.get(FILE_ID);
  assert.equal(metadata.width, 48);
  assert.equal(metadata.height, 32);
  assert.equal(metadata.format, 'jpg');
  assert.match(metadata.pHash, /^[0-9a-f]{16}$/);
  assert.equal(metadata.exif.image.Make, 'Canon');
});

test('delete, then the file is not found', async () => {
  await client.files.delete(FILE_ID);
  const error = await client.files.get(FILE_ID).catch((caught) => caught);
  assert.ok(error instanceof NotFoundError, `expected NotFoundError, got ${error}`);
});
