// Folders with the official Node SDK (@imagekit/nodejs): client.folders.create, client.folders.copy and
// client.folders.job.get, unchanged but for its base URL, against `medialib local start-api`. Run by
// tests/e2e/test_folders_sdk.py, which passes BASE_URL, PRIVATE_KEY and ROOT (a fresh folder path).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import ImageKit, { NotFoundError } from '@imagekit/nodejs';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (tests/e2e/test_folders_sdk.py sets it)`);
  return value;
}

const ROOT = requiredEnv('ROOT');
const client = new ImageKit({ privateKey: requiredEnv('PRIVATE_KEY'), baseURL: requiredEnv('BASE_URL') });

async function completed(jobId) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const job = await client.folders.job.get(jobId);
    if (job.status !== 'Pending') return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${jobId} still Pending`);
}

test('a folder is created, then copied by a job the SDK polls to Completed', async () => {
  // Given a folder the SDK creates (twice: the second is a success that changes nothing)
  assert.deepEqual(await client.folders.create({ folderName: 'src', parentFolderPath: ROOT }), {});
  await client.folders.create({ folderName: 'src', parentFolderPath: ROOT });

  // When the SDK copies it
  const { jobId } = await client.folders.copy({
    sourceFolderPath: `${ROOT}/src`,
    destinationPath: `${ROOT}/dst`,
    includeVersions: false,
  });

  // Then the job is a COPY_FOLDER that completes, and the copy is listed
  const job = await completed(jobId);
  assert.equal(job.type, 'COPY_FOLDER');
  assert.equal(job.status, 'Completed');
  const listed = await client.assets.list({ path: `${ROOT}/dst`, type: 'folder' });
  assert.deepEqual(listed.map((entry) => entry.folderPath), [`${ROOT}/dst/src`]);
});

test('copying a folder that does not exist is NotFoundError NO_FILES_FOLDER', async () => {
  const error = await client.folders
    .copy({ sourceFolderPath: `${ROOT}/missing`, destinationPath: '/' })
    .then(() => assert.fail('a missing folder was copied'), (caught) => caught);
  assert.ok(error instanceof NotFoundError, `expected NotFoundError, got ${error}`);
  assert.equal(error.error.reason, 'NO_FILES_FOLDER');
});
