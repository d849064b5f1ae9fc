// Custom metadata fields with the official Node SDK (@imagekit/nodejs: client.customMetadataFields.create and
// list, an upload with customMetadata, files.get), unchanged but for its base URL, against `medialib local
// start-api`. Run by tests/e2e/test_fields_sdk.py, which passes BASE_URL, PRIVATE_KEY and SUFFIX (field names are
// never given twice, so each run names its own).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import ImageKit, { BadRequestError, toFile } from '@imagekit/nodejs';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (tests/e2e/test_fields_sdk.py sets it)`);
  return value;
}

const SUFFIX = requiredEnv('SUFFIX');
const client = new ImageKit({ privateKey: requiredEnv('PRIVATE_KEY'), baseURL: requiredEnv('BASE_URL') });
// A 1x1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

test('fields are created and listed, and an upload sets their values', async () => {
  // Given a Number and a SingleSelect field created by the SDK
  const price = await client.customMetadataFields.create({
    name: `nprice_${SUFFIX}`,
    label: `Node price ${SUFFIX}`,
    schema: { type: 'Number', minValue: 0, maxValue: 500 },
  });
  const size = await client.customMetadataFields.create({
    name: `nsize_${SUFFIX}`,
    label: `Node size ${SUFFIX}`,
    schema: { type: 'SingleSelect', selectOptions: ['S', 'M', 'L'] },
  });
  assert.equal(price.schema.type, 'Number');
  assert.deepEqual(size.schema.selectOptions, ['S', 'M', 'L']);
  const listed = (await client.customMetadataFields.list()).map((field) => field.id);
  assert.ok(listed.includes(price.id) && listed.includes(size.id), JSON.stringify(listed));

  // When a file is uploaded with customMetadata (compact JSON, as the Node SDK sends it)
  const values = { [`nprice_${SUFFIX}`]: 19.5, [`nsize_${SUFFIX}`]: 'M' };
  const uploaded = await client.files.upload({
    file: await toFile(PNG, 'node-cmf.png'),
    fileName: 'node-cmf.png',
    folder: `/node-cmf-${SUFFIX}`,
    customMetadata: values,
    responseFields: ['customMetadata'],
  });

  // Then the upload's answer and the file's details hold the values
  assert.deepEqual(uploaded.customMetadata, values);
  assert.deepEqual((await client.files.get(uploaded.fileId)).customMetadata, values);

  // And a value outside the field's rules is BadRequestError naming the field
  const error = await client.files
    .upload({ file: await toFile(PNG, 'x.png'), fileName: 'x.png', customMetadata: { [`nsize_${SUFFIX}`]: 'XL' } })
    .then(
      () => assert.fail('an option that is not one was accepted'),
      (caught) => caught,
    );
  assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${error}`);
  assert.match(error.error.message, new RegExp(`customMetadata\\.nsize_${SUFFIX}`));

  for (const field of [price, size]) await client.customMetadataFields.delete(field.id);
});
