// Upload with the official Node SDK (@imagekit/nodejs), unchanged but for its base URL, against
// `medialib local start-api`. Run by tests/e2e/test_upload_sdk.py with BASE_URL and PRIVATE_KEY.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import ImageKit, { toFile } from '@imagekit/nodejs';

const client = new ImageKit({ privateKey: process.env.PRIVATE_KEY, baseURL: process.env.BASE_URL });

// A 1x1 PNG (red), as bytes and as base64.
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const PNG = Buffer.from(PNG_BASE64, 'base64');

test('binary upload with options answers ImageKit fields', async () => {
  // Given a PNG, When uploaded with tags, folder, extensions (camelCase) and responseFields
  const folder = `/node-${randomUUID().slice(0, 8)}/`;
  const answer = await client.files.upload({
    file: await toFile(PNG, 'red dot.png'),
    fileName: 'red dot.png',
    folder,
    tags: ['a', 'b'],
    useUniqueFileName: false,
    isPrivateFile: true,
    extensions: [{ name: 'aws-auto-tagging', maxTags: 5, minConfidence: 95 }],
    responseFields: ['tags', 'isPrivateFile', 'customMetadata'],
  });
  // Then the SDK parses ImageKit's answer
  assert.equal(answer.name, 'red_dot.png');
  assert.equal(answer.filePath, `${folder}red_dot.png`);
  assert.deepEqual([answer.width, answer.height, answer.size, answer.fileType], [1, 1, PNG.length, 'image']);
  assert.deepEqual(answer.tags, ['a', 'b']);
  assert.equal(answer.isPrivateFile, true);
  assert.deepEqual(answer.customMetadata, {});
  assert.deepEqual(answer.extensionStatus, { 'aws-auto-tagging': 'failed' });
  assert.equal(answer.versionInfo.id, answer.fileId);
});

test('base64 upload (plain and data URI) stores the decoded bytes', async () => {
  for (const file of [PNG_BASE64, `data:image/png;base64,${PNG_BASE64}`]) {
    const answer = await client.files.upload({ file, fileName: 'b64.png' });
    assert.deepEqual([answer.width, answer.size, answer.fileType], [1, PNG.length, 'image']);
  }
});

test('a second upload to one path is Version 2 of the same file', async () => {
  const folder = `/node-v-${randomUUID().slice(0, 8)}`;
  const options = { fileName: 'same.png', folder, useUniqueFileName: false };
  const first = await client.files.upload({ file: await toFile(PNG, 'same.png'), ...options });
  const second = await client.files.upload({ file: await toFile(PNG, 'same.png'), ...options });
  assert.equal(second.fileId, first.fileId);
  assert.equal(second.versionInfo.name, 'Version 2');
  const versions = await client.files.versions.list(first.fileId);
  assert.deepEqual(versions.map((v) => v.type), ['file-version', 'file']);
});
